"""The queue's statements: leases under row locks, and the item counters they keep.

Every change to an item's counters goes through :func:`_counters` so that ``state`` is always
recomputed from the same rule in the same statement (``UPDATE`` sees the old row values, so the
new counts are written as old + delta).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)

from veracity.storage.tables import assignments, items, projects
from veracity.storage.types import AnyRow

LEASED = "leased"


def _state(
    n_leased: ColumnElement[Any], n_done: ColumnElement[Any], quota: ColumnElement[Any]
) -> ColumnElement[Any]:
    return case(
        (n_done >= quota, literal("done")),
        (n_leased + n_done >= quota, literal("full")),
        else_=literal("open"),
    )


def _counters(leased_delta: int, done_delta: int) -> dict[str, ColumnElement[Any]]:
    n_leased = items.c.n_leased + leased_delta
    n_done = items.c.n_done + done_delta
    return {
        "n_leased": n_leased,
        "n_done": n_done,
        "state": _state(n_leased, n_done, items.c.quota),
    }


def set_quota(conn: Connection, project_id: int, quota: int) -> list[int]:
    """Change how many annotations each item of the project wants; return the ids of items
    that this finishes (they need resolving)."""
    newly_done = list(
        conn.execute(
            select(items.c.id).where(
                items.c.project_id == project_id,
                items.c.state != "done",
                items.c.n_done >= quota,
            )
        ).scalars()
    )
    conn.execute(
        update(items)
        .where(items.c.project_id == project_id)
        .values(quota=quota, state=_state(items.c.n_leased, items.c.n_done, literal(quota)))
    )
    return [int(i) for i in newly_done]


def expire_leases(conn: Connection, project_id: int, now: datetime) -> int:
    """End the project's leases that ran out and free their slots; return how many."""
    rows = conn.execute(
        update(assignments)
        .where(
            assignments.c.project_id == project_id,
            assignments.c.status == LEASED,
            assignments.c.lease_expires_at <= now,
        )
        .values(status="expired", ended_at=now)
        .returning(assignments.c.item_id)
    ).all()
    # Items in id order, so that concurrent sweeps lock them in the same order.
    for item_id, n in sorted(Counter(r.item_id for r in rows).items()):
        conn.execute(update(items).where(items.c.id == item_id).values(**_counters(-n, 0)))
    return len(rows)


def open_lease_count(conn: Connection, project_id: int, user_id: int) -> int:
    """How many items the user holds leased in the project."""
    stmt = select(func.count()).where(
        assignments.c.user_id == user_id,
        assignments.c.project_id == project_id,
        assignments.c.status == LEASED,
    )
    return int(conn.execute(stmt).scalar_one())


def pick_item(
    conn: Connection, project_id: int, user_id: int, stage: str, *, row_locks: bool
) -> int | None:
    """The first open item the user has never been given, locked for this transaction.

    On PostgreSQL the row is locked ``FOR UPDATE SKIP LOCKED`` so that concurrent callers take
    different items instead of waiting; on SQLite the caller already holds the write lock.
    """
    given = exists().where(
        assignments.c.item_id == items.c.id,
        assignments.c.user_id == user_id,
        assignments.c.stage == stage,
    )
    stmt = (
        select(items.c.id)
        .where(items.c.project_id == project_id, items.c.state == "open", ~given)
        .order_by(items.c.id)
        .limit(1)
    )
    if row_locks:
        stmt = stmt.with_for_update(skip_locked=True, of=items)
    return conn.execute(stmt).scalar_one_or_none()


def lease_item(
    conn: Connection,
    project_id: int,
    item_id: int,
    user_id: int,
    stage: str,
    now: datetime,
    expires_at: datetime,
) -> tuple[int, AnyRow]:
    """Take one slot of the item for the user; return the assignment id and the item."""
    item = conn.execute(
        update(items)
        .where(items.c.id == item_id)
        .values(**_counters(+1, 0))
        .returning(items.c.id, items.c.external_id, items.c.data)
    ).one()
    assignment_id = conn.execute(
        insert(assignments)
        .values(
            project_id=project_id,
            item_id=item_id,
            user_id=user_id,
            stage=stage,
            status=LEASED,
            leased_at=now,
            lease_expires_at=expires_at,
        )
        .returning(assignments.c.id)
    ).scalar_one()
    return int(assignment_id), item


def open_leases(conn: Connection, project_id: int, user_id: int) -> list[AnyRow]:
    """The user's open leases in the project, oldest first, with their items."""
    stmt = (
        select(
            assignments.c.id.label("assignment_id"),
            assignments.c.stage,
            assignments.c.lease_expires_at,
            items.c.id.label("item_id"),
            items.c.external_id,
            items.c.data,
        )
        .join(items, items.c.id == assignments.c.item_id)
        .where(
            assignments.c.user_id == user_id,
            assignments.c.project_id == project_id,
            assignments.c.status == LEASED,
        )
        .order_by(assignments.c.id)
    )
    return list(conn.execute(stmt))


def assignment_of(conn: Connection, assignment_id: int, user_id: int, org_id: int) -> AnyRow | None:
    """The user's own assignment, with its project's schema and the item's data.

    Anyone else's assignment, or one in another organization, is simply not found.
    """
    stmt = (
        select(
            assignments.c.id,
            assignments.c.project_id,
            assignments.c.item_id,
            assignments.c.stage,
            assignments.c.status,
            projects.c.label_schema,
            projects.c.updated_at.label("project_updated_at"),
            items.c.data,
        )
        .join(projects, projects.c.id == assignments.c.project_id)
        .join(items, items.c.id == assignments.c.item_id)
        .where(
            assignments.c.id == assignment_id,
            assignments.c.user_id == user_id,
            projects.c.org_id == org_id,
        )
    )
    return conn.execute(stmt).first()


def end_lease(conn: Connection, assignment_id: int, status: str, now: datetime) -> bool:
    """Close a lease that is still open; False when it was already closed or taken away."""
    result = conn.execute(
        update(assignments)
        .where(assignments.c.id == assignment_id, assignments.c.status == LEASED)
        .values(status=status, ended_at=now)
    )
    return result.rowcount == 1


def count_done(conn: Connection, item_id: int) -> AnyRow:
    """Turn one lease of the item into a finished annotation; return ``n_done`` and ``quota``."""
    return conn.execute(
        update(items)
        .where(items.c.id == item_id)
        .values(**_counters(-1, +1))
        .returning(items.c.n_done, items.c.quota)
    ).one()


def release(conn: Connection, item_id: int) -> None:
    """Give one leased slot of the item back to the queue."""
    conn.execute(update(items).where(items.c.id == item_id).values(**_counters(-1, 0)))
