"""The composition root: ``create_app(settings)`` wires database, services, API and pages.

Nothing is created at import time; ``serve`` and the tests each build their own app.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from veracity import __version__
from veracity.api import errors
from veracity.api.app import document_security
from veracity.api.app import routers as api_routers
from veracity.api.body_limit import BodyLimit
from veracity.api.security_headers import SecurityHeaders
from veracity.jobs import JobQueue
from veracity.services import build_services
from veracity.settings import Settings
from veracity.storage.db import open_database
from veracity.web.app import mount as mount_web


def create_app(settings: Settings | None = None) -> FastAPI:
    """A complete Veracity application for ``settings`` (read from the environment if None)."""
    settings = settings or Settings()
    db = open_database(settings)
    services = build_services(db, settings)
    jobs = JobQueue(settings, services)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Request handlers run in worker threads and each holds a database connection, so
        # more threads than pooled connections would only queue on the pool (costly
        # lock hand-offs under load); let them queue in the event loop instead.
        to_thread.current_default_thread_limiter().total_tokens = settings.db_pool_size
        jobs.start()
        yield
        jobs.stop()
        db.dispose()

    app = FastAPI(
        title="Veracity",
        version=__version__,
        description="The open, self-hosted data engine for AI training data.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.secret_key = settings.ensure_secret_key()
    app.state.services = services
    app.state.jobs = jobs
    errors.install(app)
    for router in api_routers(settings):
        app.include_router(router)
    document_security(app)
    mount_web(app, settings)
    app.add_middleware(
        BodyLimit, default=settings.max_body_bytes, imports=settings.max_import_bytes
    )
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def app_from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory`` (each worker process reads the environment)."""
    return create_app(Settings())
