"""Request body limits that answer 413 in the API's JSON error shape.

Starlette's own limiter answers in plain text; this one also picks the limit per route: item
import takes ``max_import_bytes``, everything else ``max_body_bytes``. Bodies are counted as
they stream in, so a client that lies about (or omits) Content-Length is stopped as well.
"""

from __future__ import annotations

import re

import orjson
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veracity.api.errors import error_body

_IMPORT_PATH = re.compile(r"^/api/v1/projects/[^/]+/(items|annotations)$")


class _TooLarge(HTTPException):
    """Raised from ``receive`` once a body passes its limit.

    An ``HTTPException``, because FastAPI turns any other error met while it reads a body into
    a 400; this one it lets through to the API's error handler, which answers 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, _message(limit))


class BodyLimit:
    """Pure ASGI middleware enforcing the body limits."""

    def __init__(self, app: ASGIApp, *, default: int, imports: int) -> None:
        self.app = app
        self.default = default
        self.imports = imports

    def limit_for(self, scope: Scope) -> int:
        """The byte limit for this request's route."""
        if scope["method"] == "POST" and _IMPORT_PATH.match(scope["path"]):
            return self.imports
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await _answer_413(send, limit)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await _answer_413(send, limit)
        except BaseExceptionGroup as group:
            if started or not group.subgroup(_TooLarge):
                raise
            await _answer_413(send, limit)


def _message(limit: int) -> str:
    return f"the request body is larger than {limit} bytes"


async def _answer_413(send: Send, limit: int) -> None:
    body = orjson.dumps(error_body("too_large", _message(limit)))
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
