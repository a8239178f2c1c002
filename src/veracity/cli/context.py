"""What every command needs: settings from the environment, services over the database,
and errors printed as one line instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from veracity.domain.errors import DomainError
from veracity.services import Services, build_services
from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import Database, create_db_engine

err = Console(stderr=True)


@contextmanager
def cli_errors() -> Iterator[None]:
    """Print expected errors in one line and exit with status 1."""
    try:
        yield
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.message}", highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def open_services(settings: Settings | None = None) -> Iterator[Services]:
    """Services over the configured database, which must be migrated already."""
    settings = settings or Settings()
    engine = create_db_engine(settings)
    try:
        current, head = schema.current_revision(engine), schema.head_revision()
        if current != head:
            err.print(
                "[red]error:[/red] the database schema is not up to date; "
                "run `veracity migrate` first",
                highlight=False,
            )
            raise typer.Exit(1)
        with cli_errors():
            yield build_services(Database(engine, settings.sqlite_synchronous.value), settings)
    finally:
        engine.dispose()


def migrate_if_empty(settings: Settings) -> None:
    """Create the schema on an empty database; refuse to start on an outdated one."""
    engine = create_db_engine(settings, pool=False)
    try:
        current, head = schema.current_revision(engine), schema.head_revision()
        if current is None:
            schema.upgrade(engine)
        elif current != head:
            err.print(
                f"[red]error:[/red] the database is at revision {current}, the code needs "
                f"{head}; run `veracity migrate`",
                highlight=False,
            )
            raise typer.Exit(1)
    finally:
        engine.dispose()
