"""``INSERT ... ON CONFLICT`` for the dialect in use (SQLite and PostgreSQL both have it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def insert_or_update(
    conn: Connection, table: Table, values: dict[str, Any] | list[dict[str, Any]], key: list[str]
) -> None:
    """Insert rows, or update every non-key column of the row that has the same ``key``."""
    rows = values if isinstance(values, list) else [values]
    if not rows:
        return
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(table).values(rows)
    changed = {c: stmt.excluded[c] for c in rows[0] if c not in key}
    conn.execute(stmt.on_conflict_do_update(index_elements=key, set_=changed))
