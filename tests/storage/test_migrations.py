"""One Alembic tree that builds exactly the tables in code, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from veracity.settings import Settings
from veracity.storage import schema
from veracity.storage.db import create_db_engine
from veracity.storage.tables import metadata


def test_migrations_match_the_tables(settings: Settings) -> None:
    engine = create_db_engine(settings, pool=False)
    try:
        schema.check(engine)  # raises when autogenerate would find a difference
        assert schema.current_revision(engine) == schema.head_revision()
    finally:
        engine.dispose()


def test_downgrade_and_upgrade_round_trip(settings: Settings) -> None:
    engine = create_db_engine(settings, pool=False)
    try:
        schema.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        schema.upgrade(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_single_head() -> None:
    heads = ScriptDirectory.from_config(schema.alembic_config()).get_heads()
    assert len(heads) == 1
