"""OpenAPI declarations of the error answers each route can give."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from veracity.api.schemas.common import ErrorOut

_WHY = {
    401: "No valid credentials.",
    403: "The caller's role does not allow this, or the CSRF token is wrong.",
    404: "Not found in the caller's organization.",
    409: "The state of the object does not allow this now.",
    413: "The request body is too large.",
    415: "The content type is not accepted here.",
    422: "Invalid input; the error names the record and the field.",
    429: "Too many attempts.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can fail with ``codes`` (401 and 422 always)."""
    wanted = sorted({401, 422, *codes})
    return {code: {"model": ErrorOut, "description": _WHY[code]} for code in wanted}


class FastJSONResponse(Response):
    """JSON encoded by orjson, for the queue's hot routes.

    Returning a response skips FastAPI's validation of the result against the route's
    ``response_model`` (which stays declared for the OpenAPI document); the services build
    these payloads themselves, and tests check them against the models.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """The payload as JSON bytes (datetimes as ISO 8601)."""
        return orjson.dumps(content)
