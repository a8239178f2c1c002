"""``veracity migrate``."""

from __future__ import annotations

import typer

from veracity.cli.context import err
from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import create_db_engine


def migrate() -> None:
    """Bring the database schema up to date."""
    engine = create_db_engine(Settings(), pool=False)
    try:
        before = schema.current_revision(engine)
        schema.upgrade(engine)
        after = schema.current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        err.print(f"database already at revision {after}")
    else:
        err.print(f"database migrated from {before or 'empty'} to {after}")
    raise typer.Exit(0)
