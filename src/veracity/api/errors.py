"""Every error leaves the API in one JSON shape: ``{"error": {code, message, field?, record?}}``.

Domain errors map to 4xx here and only here; a request that fails changes nothing, because
services roll their transaction back before the error reaches this module.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException

from veracity.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidRecord,
    NotAuthenticated,
    NotFound,
    Throttled,
)

_STATUS: list[tuple[type[DomainError], int]] = [
    (NotAuthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (InvalidRecord, 422),
    (Throttled, 429),
]

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "throttled",
}


def status_of(exc: DomainError) -> int:
    """The HTTP status for a domain error."""
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def error_body(code: str, message: str, **where: Any) -> dict[str, Any]:
    """The one error shape."""
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in where.items() if v is not None})
    return {"error": body}


def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {}
    if isinstance(exc, NotAuthenticated):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    where: dict[str, Any] = {}
    if isinstance(exc, InvalidRecord):
        where = {"field": exc.field, "record": exc.record}
    return JSONResponse(
        error_body(exc.code, exc.message, **where), status_code=status_of(exc), headers=headers
    )


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    if first.get("type") == "json_invalid":
        # Its location is a character offset, not a field.
        ctx = first.get("ctx") or {}
        reason = str(ctx.get("error", "")) if isinstance(ctx, dict) else ""
        return JSONResponse(
            error_body("invalid", f"the body is not valid JSON: {reason}".rstrip(": ")),
            status_code=422,
        )
    loc = [str(p) for p in first.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header"):
        loc = loc[1:]
    field = ".".join(loc) or None
    message = f"field '{field}': {first['msg']}" if field else str(first["msg"])
    return JSONResponse(error_body("invalid", message, field=field), status_code=422)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse(
        error_body(code, str(exc.detail)), status_code=exc.status_code, headers=headers
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this request's path.

    Starlette's 405 names only the methods of the first route that matched the path, while
    one path often has several routes (``GET`` and ``PATCH`` of a project, say).
    """
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(request.url.path) and route.methods:
            methods |= route.methods
    return sorted(methods)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
