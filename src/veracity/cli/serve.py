"""``veracity serve``."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from veracity.cli.context import migrate_if_empty
from veracity.settings import Settings


def run_server(host: str, port: int, workers: int) -> None:
    """Run the app under uvicorn; each worker builds its app from the environment."""
    uvicorn.run(
        "veracity.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 for every interface.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Serve the web app and the API (the schema is created first on an empty database)."""
    settings = Settings()
    migrate_if_empty(settings)
    settings.ensure_secret_key()
    typer.echo(f"Veracity is serving on http://{host}:{port}/", err=True)
    run_server(host, port, workers)
