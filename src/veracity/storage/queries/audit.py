"""The audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from veracity.storage.tables import audit_events
from veracity.storage.types import AnyRow


def record(
    conn: Connection,
    *,
    org_id: int,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: object,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    """Append one event."""
    conn.execute(
        insert(audit_events).values(
            org_id=org_id,
            actor_id=actor_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail,
            created_at=now,
        )
    )


def events(conn: Connection, org_id: int, limit: int = 100) -> list[AnyRow]:
    """The organization's newest events."""
    stmt = (
        select(audit_events)
        .where(audit_events.c.org_id == org_id)
        .order_by(audit_events.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(stmt))
