"""What was stored of people's work, read straight from the database to check a test's claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from veracity.services import Services
from veracity.storage.tables import annotations, assignments, items


@dataclass(frozen=True)
class StoredAnnotation:
    """One stored annotation with the item it is about."""

    item_id: int
    item_text: str | None
    user_id: int | None
    value: Any
    seconds: float | None


@dataclass(frozen=True)
class StoredAssignment:
    """One lease of an item to a person, and how it ended."""

    item_id: int
    user_id: int
    status: str


def stored_annotations(services: Services, project_id: int) -> list[StoredAnnotation]:
    """Every annotation of the project, oldest first."""
    query = (
        select(annotations, items.c.data)
        .join(items, items.c.id == annotations.c.item_id)
        .where(annotations.c.project_id == project_id)
        .order_by(annotations.c.id)
    )
    with services.db.read() as conn:
        rows = conn.execute(query).all()
    return [
        StoredAnnotation(r.item_id, r.data.get("text"), r.user_id, r.value, r.seconds) for r in rows
    ]


def stored_assignments(services: Services, project_id: int) -> list[StoredAssignment]:
    """Every assignment of the project, oldest first."""
    query = (
        select(assignments.c.item_id, assignments.c.user_id, assignments.c.status)
        .where(assignments.c.project_id == project_id)
        .order_by(assignments.c.id)
    )
    with services.db.read() as conn:
        rows = conn.execute(query).all()
    return [StoredAssignment(r.item_id, r.user_id, r.status) for r in rows]
