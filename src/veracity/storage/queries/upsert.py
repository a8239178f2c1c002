"""``INSERT ... ON CONFLICT`` for the dialect in use (SQLite and PostgreSQL both have it)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


@cache
def _statement(dialect: str, table: Table, key: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    # Built once per shape: constructing the ON CONFLICT clause costs more than running it.
    insert = (sqlite if dialect == "sqlite" else postgresql).insert(table)
    changed = {c: insert.excluded[c] for c in columns if c not in key}
    return insert.on_conflict_do_update(index_elements=list(key), set_=changed)


def insert_or_update(
    conn: Connection, table: Table, values: dict[str, Any] | list[dict[str, Any]], key: list[str]
) -> None:
    """Insert rows, or update every non-key column of the row that has the same ``key``."""
    rows = values if isinstance(values, list) else [values]
    if not rows:
        return
    stmt = _statement(conn.dialect.name, table, tuple(key), tuple(rows[0]))
    conn.execute(stmt, rows)
