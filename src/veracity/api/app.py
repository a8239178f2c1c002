"""The API's FastAPI application (routers and error handlers); pages are added by the web app."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from veracity.api.routers import (
    accounts,
    items,
    jobs,
    projects,
    quality,
    queue,
    results,
    reviews,
    single_sign_on,
    workers,
)
from veracity.settings import Settings


def routers(settings: Settings) -> list[APIRouter]:
    """Every API router."""
    return [
        projects.router,
        items.build(settings),
        queue.router,
        results.router,
        accounts.router,
        workers.router,
        quality.router,
        jobs.router,
        reviews.router,
        single_sign_on.router,
    ]


SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `veracity token create` or `POST /api/v1/tokens`.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "veracity_session",
        "description": "A web sign-in; writes must also send the `X-CSRF-Token` header.",
    },
}


def document_security(app: FastAPI) -> None:
    """Declare in ``/openapi.json`` that every API route takes a token or a session.

    Declared here once instead of as per-route security dependencies, which FastAPI would
    evaluate on every request although ``current_caller`` does the real check.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
            for path, operations in schema.get("paths", {}).items():
                if path.startswith("/api/v1/"):
                    for operation in operations.values():
                        operation["security"] = [{"bearer": []}, {"session": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
