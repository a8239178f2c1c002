"""Writing audit events inside the use case's own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.storage.queries import audit as audit_q
from veracity.storage.types import utcnow


def record(
    conn: Connection,
    caller: Caller,
    action: str,
    object_type: str,
    object_id: object,
    **detail: Any,
) -> None:
    """Append an event for ``caller`` in the same transaction as the change it describes."""
    audit_q.record(
        conn,
        org_id=caller.org_id,
        actor_id=caller.user_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        now=utcnow(),
    )
