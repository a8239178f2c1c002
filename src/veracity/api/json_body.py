"""JSON request bodies, read strictly, for every API route that takes one.

FastAPI reads a JSON body with the standard library, which accepts what the rest of the
system cannot store (lone surrogates, NUL characters, ``NaN``) and turns invalid UTF-8 or very
deep nesting into a bare 400; a body of another content type it passes on as bytes, to fail
validation with a puzzling 422. Routes of :class:`JsonRoute` instead:

- answer 415 when a body is sent as anything but JSON (or without a content type);
- parse with orjson (strict UTF-8, no surrogates or ``NaN``, bounded recursion) and refuse
  NUL characters and nesting deeper than ``max_json_depth``, as 422 naming the problem;
- declare those answers (and 413 for bodies over the size limit) in the OpenAPI document.
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response, params
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from veracity.api.errors import error_body
from veracity.api.responses import errors
from veracity.domain.records import has_nul, json_depth


def is_json(content_type: str | None) -> bool:
    """Whether a Content-Type header names JSON (``application/json`` or ``*+json``)."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


class StrictJsonRequest(Request):
    """A request whose ``json()`` is strict about what it accepts (see the module doc)."""

    async def json(self) -> Any:
        """The parsed body; refusals raise ``JSONDecodeError``, which FastAPI answers with 422."""
        if not hasattr(self, "_json"):
            body = await self.body()
            value = orjson.loads(body)  # orjson.JSONDecodeError is a json.JSONDecodeError
            limit = self.app.state.settings.max_json_depth
            if json_depth(value, limit) > limit:
                raise json.JSONDecodeError(f"nested deeper than {limit} levels", "", 0)
            if has_nul(value):
                raise json.JSONDecodeError("a NUL character, which cannot be stored", "", 0)
            self._json = value
        return self._json


class JsonRoute(APIRoute):
    """An API route whose JSON body, if it takes one, is read by :class:`StrictJsonRequest`."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        if self._takes_json():
            self.responses = {**errors(413, 415), **self.responses}

    def _takes_json(self) -> bool:
        field = self.body_field
        return field is not None and not isinstance(field.field_info, params.Form)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, given a strict request and preceded by the content-type check."""
        handler = super().get_route_handler()
        if not self._takes_json():
            return handler

        async def strict_handler(request: Request) -> Response:
            strict = StrictJsonRequest(request.scope, request.receive)
            content_type = strict.headers.get("content-type")
            if not is_json(content_type) and (content_type or await strict.body()):
                return JSONResponse(
                    error_body(
                        "unsupported_media_type",
                        f"send the body as application/json, not {content_type or 'untyped'}",
                    ),
                    status_code=415,
                )
            return await handler(strict)

        return strict_handler
