"""Items of one project: bulk import with idempotency, and counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

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
    degrades to scans as the table grows faster than its statistics).
    """
    if not rows:
        return set()
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = (
        dialect.insert(items)
        .on_conflict_do_nothing(index_elements=["project_id", "external_id"])
        .returning(items.c.external_id)
    )
    return {row.external_id for row in conn.execute(stmt, rows)}


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
