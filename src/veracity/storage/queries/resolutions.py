"""Resolutions: one final value per item."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from veracity.storage.queries.upsert import insert_or_update
from veracity.storage.tables import gold, items, resolutions
from veracity.storage.types import AnyRow


def save_resolution(
    conn: Connection,
    *,
    item_id: int,
    project_id: int,
    value: dict[str, Any],
    confidence: float,
    method: str,
    source: str,
    n_annotations: int,
    now: datetime,
) -> None:
    """Write the item's resolution, replacing an earlier one."""
    insert_or_update(
        conn,
        resolutions,
        {
            "item_id": item_id,
            "project_id": project_id,
            "value": value,
            "confidence": confidence,
            "method": method,
            "source": source,
            "n_annotations": n_annotations,
            "updated_at": now,
        },
        key=["item_id"],
    )


def page(conn: Connection, project_id: int, after_item_id: int, limit: int) -> list[AnyRow]:
    """Up to ``limit`` resolutions of the project with item id above ``after_item_id``."""
    stmt = (
        select(resolutions, items.c.external_id)
        .join(items, items.c.id == resolutions.c.item_id)
        .where(resolutions.c.project_id == project_id, resolutions.c.item_id > after_item_id)
        .order_by(resolutions.c.item_id)
        .limit(limit)
    )
    return list(conn.execute(stmt))


def references(conn: Connection, project_id: int) -> dict[Hashable, Mapping[str, Any]]:
    """Each item's reference value for measuring people: its gold value where there is one,
    its resolution otherwise."""
    refs: dict[Hashable, Mapping[str, Any]] = {
        int(r.item_id): r.value
        for r in conn.execute(
            select(resolutions.c.item_id, resolutions.c.value).where(
                resolutions.c.project_id == project_id
            )
        )
    }
    refs.update(
        {
            int(r.item_id): r.value
            for r in conn.execute(
                select(gold.c.item_id, gold.c.value).where(gold.c.project_id == project_id)
            )
        }
    )
    return refs
