"""The API's FastAPI application (routers and error handlers); pages are added by the web app."""

from __future__ import annotations

from fastapi import APIRouter

from veracity.api.routers import accounts, items, projects, queue, results
from veracity.settings import Settings


def routers(settings: Settings) -> list[APIRouter]:
    """Every API router."""
    return [
        projects.router,
        items.build(settings),
        queue.router,
        results.router,
        accounts.router,
    ]
