"""Mounting the pages and their static files onto the application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from veracity.settings import Settings
from veracity.web.pages import SignInRequired, sign_in_redirect
from veracity.web.routes import accounts, projects, quality, single_sign_on

STATIC = Path(__file__).parent / "static"


def _sign_in_first(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    return sign_in_redirect(exc.next_path)


def mount(app: FastAPI, settings: Settings) -> None:
    """Add the page routes, ``/static``, and the redirect of signed-out browsers to sign-in."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(accounts.router)
    app.include_router(projects.router)
    app.include_router(quality.router)
    app.include_router(single_sign_on.router)
    app.add_exception_handler(SignInRequired, _sign_in_first)
