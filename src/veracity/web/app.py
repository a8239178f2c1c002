"""Mounting the pages and their static files onto the application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from veracity.settings import Settings
from veracity.web.routes import accounts, projects

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the page routes and ``/static`` to ``app``."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(accounts.router)
    app.include_router(projects.router)
