"""Bringing a database's schema up to date with the Alembic revisions in ``migrations/``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

_MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config() -> Config:
    """An Alembic config for our migration tree (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision in the migration tree."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _run(engine: Engine, action: str, *args: str) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        getattr(command, action)(config, *args)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply every revision up to ``revision``."""
    _run(engine, "upgrade", revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Revert to ``revision`` (``base`` empties the database)."""
    _run(engine, "downgrade", revision)


def check(engine: Engine) -> None:
    """Raise if the tables in code differ from what the migrations build."""
    _run(engine, "check")


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new revision against ``engine`` (a developer tool; review the result)."""
    _run(engine, "revision", message)
