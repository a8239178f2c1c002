"""Gold values: the expected answers of some items, never shown to annotators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from veracity.storage.queries.upsert import insert_or_update
from veracity.storage.tables import gold


def save_gold(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert or replace gold rows ``{item_id, project_id, value, created_by, created_at}``."""
    insert_or_update(conn, gold, rows, key=["item_id"])


def gold_count(conn: Connection, project_id: int) -> int:
    """How many of the project's items have gold values."""
    stmt = select(func.count()).select_from(gold).where(gold.c.project_id == project_id)
    return int(conn.execute(stmt).scalar_one())
