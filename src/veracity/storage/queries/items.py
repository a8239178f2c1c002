"""Items of one project: bulk import with idempotency, and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import psycopg
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import sqlite

from veracity.storage.tables import items
from veracity.storage.types import AnyRow


def existing(conn: Connection, project_id: int, external_ids: Sequence[str]) -> dict[str, AnyRow]:
    """The project's items with these external ids, keyed by external id."""
    if not external_ids:
        return {}
    stmt = select(
        items.c.id, items.c.external_id, items.c.data, items.c.meta, items.c.n_done
    ).where(items.c.project_id == project_id, items.c.external_id.in_(external_ids))
    return {row.external_id: row for row in conn.execute(stmt)}


def insert_items(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many items in one statement (executemany / multi-row VALUES)."""
    if rows:
        conn.execute(insert(items), rows)


def insert_new_items(conn: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """Insert items whose external id the project does not have yet; return those ids.

    The unique index on (project, external id) decides, through ``ON CONFLICT DO NOTHING``,
    so a first import never has to look anything up (a lookup inside one big transaction
    degrades to scans as the table grows faster than its statistics). Every row of one call
    belongs to one project and shares its quota and creation time.
    """
    if not rows:
        return set()
    if conn.dialect.name == "postgresql":
        return _copy_new_items(conn, rows)
    stmt = (
        sqlite.insert(items)
        .on_conflict_do_nothing(index_elements=["project_id", "external_id"])
        .returning(items.c.external_id)
    )
    return {row.external_id for row in conn.execute(stmt, rows)}


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


# PostgreSQL loads a batch with COPY into a temporary table and moves it in with one
# INSERT ... SELECT: several times faster than a multi-row INSERT with a parameter per
# value, which is what an import of a million items spends its time on.
_CREATE_INCOMING = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS incoming_items "
    "(n integer, external_id text, data jsonb, meta jsonb) ON COMMIT DROP"
)
_MOVE_INCOMING = (
    "INSERT INTO items "
    "(project_id, external_id, data, meta, state, quota, n_leased, n_done, created_at) "
    "SELECT %(project_id)s, external_id, data, meta, 'open', %(quota)s, 0, 0, %(created_at)s "
    "FROM incoming_items ORDER BY n "
    "ON CONFLICT (project_id, external_id) DO NOTHING RETURNING external_id"
)


def _copy_new_items(conn: Connection, rows: list[dict[str, Any]]) -> set[str]:
    first = rows[0]
    raw = conn.connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    with raw.cursor() as cur:
        cur.execute(_CREATE_INCOMING)
        cur.execute("TRUNCATE incoming_items")
        with cur.copy("COPY incoming_items (n, external_id, data, meta) FROM STDIN") as copy:
            for n, row in enumerate(rows):
                copy.write_row(
                    (n, row["external_id"], _json_text(row["data"]), _json_text(row["meta"]))
                )
        cur.execute(
            _MOVE_INCOMING,
            {
                "project_id": first["project_id"],
                "quota": first["quota"],
                "created_at": first["created_at"],
            },
        )
        return {external_id for (external_id,) in cur.fetchall()}


def analyze(conn: Connection) -> None:
    """Refresh the planner's statistics of the items table after a large import."""
    conn.exec_driver_sql("ANALYZE items")


_UPDATE_DATA = (
    update(items)
    .where(items.c.id == bindparam("item_id"))
    .values(data=bindparam("new_data"), meta=bindparam("new_meta"))
)


def update_items(conn: Connection, changes: list[dict[str, Any]]) -> None:
    """Replace data and meta of items; each change is ``{item_id, new_data, new_meta}``."""
    if changes:
        conn.execute(_UPDATE_DATA, changes)


def item_for_project(conn: Connection, project_id: int, item_id: int) -> AnyRow | None:
    """One item of the project."""
    stmt = select(items).where(items.c.id == item_id, items.c.project_id == project_id)
    return conn.execute(stmt).first()


def ids_by_external_id(
    conn: Connection, project_id: int, external_ids: Sequence[str]
) -> dict[str, int]:
    """Item ids for external ids of the project (unknown ids are left out)."""
    if not external_ids:
        return {}
    stmt = select(items.c.external_id, items.c.id).where(
        items.c.project_id == project_id, items.c.external_id.in_(external_ids)
    )
    return {row.external_id: row.id for row in conn.execute(stmt)}


def state_counts(conn: Connection, project_id: int) -> dict[str, int]:
    """How many items are open, full (all slots leased or done) and done."""
    stmt = (
        select(items.c.state, func.count())
        .where(items.c.project_id == project_id)
        .group_by(items.c.state)
    )
    return {state: int(n) for state, n in conn.execute(stmt)}


def by_external_id(
    conn: Connection, project_id: int, external_ids: Sequence[str]
) -> dict[str, AnyRow]:
    """The project's items (id, data, state, counts) for these external ids."""
    if not external_ids:
        return {}
    stmt = select(
        items.c.id,
        items.c.external_id,
        items.c.data,
        items.c.state,
        items.c.n_done,
        items.c.quota,
    ).where(items.c.project_id == project_id, items.c.external_id.in_(external_ids))
    return {row.external_id: row for row in conn.execute(stmt)}
