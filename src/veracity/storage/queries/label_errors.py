"""What the likely-label-errors job reads: resolved items with their data."""

from __future__ import annotations

from sqlalchemy import Connection, select

from veracity.storage.tables import items, resolutions
from veracity.storage.types import AnyRow


def resolved_items(conn: Connection, project_id: int) -> list[AnyRow]:
    """Every resolved item of the project (gold excluded): id, external id, data and the
    resolution's value and source, in id order."""
    stmt = (
        select(
            items.c.id,
            items.c.external_id,
            items.c.data,
            resolutions.c.value,
            resolutions.c.source,
        )
        .join(resolutions, resolutions.c.item_id == items.c.id)
        .where(resolutions.c.project_id == project_id, items.c.state != "gold")
        .order_by(items.c.id)
    )
    return list(conn.execute(stmt))
