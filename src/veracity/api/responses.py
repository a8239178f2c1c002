"""OpenAPI declarations of the error answers each route can give."""

from __future__ import annotations

from typing import Any

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
