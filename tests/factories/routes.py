"""The routes a live application really serves, read from the app rather than listed by hand.

Tests that must cover every route (tenancy, authentication, sign-up) start from these, so a
new route is covered, or makes its test fail, without anyone remembering to add it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Route

API_PREFIX = "/api/v1/"


@dataclass(frozen=True, order=True)
class Endpoint:
    """One method on one path template, e.g. ``POST /api/v1/projects/{project_id}/items``."""

    method: str
    path: str
    takes_json: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, **ids: object) -> str:
        """The path with its parameters filled in (unused ids are ignored)."""
        return self.path.format(**ids)


def endpoints(app: FastAPI) -> list[Endpoint]:
    """Every method of every route of ``app`` (API, pages, health), sorted; HEAD left out."""
    found: set[Endpoint] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, Route) or context.path is None:
            continue
        takes_json = isinstance(route, APIRoute) and _takes_json(route)
        for method in context.methods or ():
            if method != "HEAD":
                found.add(Endpoint(method, context.path, takes_json))
    return sorted(found)


def api_endpoints(app: FastAPI) -> list[Endpoint]:
    """The REST API's endpoints (those under ``/api/v1/``)."""
    return [e for e in endpoints(app) if e.path.startswith(API_PREFIX)]


def _takes_json(route: APIRoute) -> bool:
    field = route.body_field
    if field is None:
        return False
    return not isinstance(field.field_info, params.Form)
