"""Reviews: sending work to review, leasing it to reviewers, and recording decisions.

Callers scope every read by organization first (through the project); the statements here
take a project id or a review id that was checked that way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from veracity.storage.tables import assignments, items, projects, resolutions, reviews, users
from veracity.storage.tables.labels import annotations as annotation_rows
from veracity.storage.types import AnyRow

PENDING = "pending"
LEASED = "leased"
OPEN_STATES = (PENDING, LEASED)

_fix = aliased(annotation_rows)
_worker = aliased(users)
_reviewer = aliased(users)


def insert_reviews(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store new pending reviews ``{project_id, item_id, annotation_id, worker_id, reason,
    created_at}`` in one statement."""
    if rows:
        conn.execute(insert(reviews), [{**row, "state": PENDING} for row in rows])


def answers_so_far(conn: Connection, project_id: int, user_id: int, limit: int) -> int:
    """How many items the person has submitted in the project, counted up to ``limit``
    (bounded, so the check stays cheap for people with thousands of answers)."""
    mine = (
        select(assignments.c.id)
        .where(
            assignments.c.user_id == user_id,
            assignments.c.project_id == project_id,
            assignments.c.status == "submitted",
            assignments.c.stage == "label",
        )
        .limit(limit)
        .subquery()
    )
    return int(conn.execute(select(func.count()).select_from(mine)).scalar_one())


def items_under_review(conn: Connection, project_id: int, item_ids: list[int]) -> set[int]:
    """Which of these items already wait for a review of their final value."""
    if not item_ids:
        return set()
    stmt = select(reviews.c.item_id).where(
        reviews.c.project_id == project_id,
        reviews.c.item_id.in_(item_ids),
        reviews.c.annotation_id.is_(None),
        reviews.c.state.in_(OPEN_STATES),
    )
    return {int(i) for i in conn.execute(stmt).scalars()}


def project_items(conn: Connection, project_id: int, item_ids: list[int]) -> dict[int, str]:
    """The state of each of these items that belongs to the project."""
    if not item_ids:
        return {}
    stmt = select(items.c.id, items.c.state).where(
        items.c.project_id == project_id, items.c.id.in_(item_ids)
    )
    return {int(r.id): r.state for r in conn.execute(stmt)}


def held_by(conn: Connection, project_id: int, reviewer_id: int, now: datetime) -> int | None:
    """The review the reviewer holds leased in the project, if its lease still runs."""
    stmt = (
        select(reviews.c.id)
        .where(
            reviews.c.reviewer_id == reviewer_id,
            reviews.c.project_id == project_id,
            reviews.c.state == LEASED,
            reviews.c.lease_expires_at > now,
        )
        .order_by(reviews.c.id)
        .limit(1)
    )
    found = conn.execute(stmt).scalar_one_or_none()
    return None if found is None else int(found)


def _free(now: datetime) -> Any:
    return or_(
        reviews.c.state == PENDING,
        and_(reviews.c.state == LEASED, reviews.c.lease_expires_at <= now),
    )


def lease(
    conn: Connection, project_id: int, reviewer_id: int, now: datetime, expires_at: datetime
) -> int | None:
    """Lease the oldest free review of the project to the reviewer; None when there is none.

    A reviewer never gets an item they annotated themselves. On PostgreSQL the candidate row
    is locked ``FOR UPDATE SKIP LOCKED`` so that concurrent reviewers take different reviews;
    SQLite's single writer does the same.
    """
    mine = aliased(annotation_rows)
    candidate = (
        select(reviews.c.id)
        .where(
            reviews.c.project_id == project_id,
            _free(now),
            ~exists().where(mine.c.item_id == reviews.c.item_id, mine.c.user_id == reviewer_id),
        )
        .order_by(reviews.c.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=reviews)
    )
    review_id = conn.execute(candidate).scalar_one_or_none()
    if review_id is None:
        return None
    taken = conn.execute(
        update(reviews)
        .where(reviews.c.id == review_id, _free(now))
        .values(state=LEASED, reviewer_id=reviewer_id, leased_at=now, lease_expires_at=expires_at)
    ).rowcount
    return int(review_id) if taken == 1 else None


def review_in_org(conn: Connection, review_id: int, org_id: int) -> AnyRow | None:
    """One review with its item and the annotation under review, if in the organization."""
    stmt = (
        select(
            reviews,
            items.c.external_id,
            items.c.data,
            items.c.state.label("item_state"),
            items.c.n_done,
            items.c.quota,
            annotation_rows.c.value.label("annotation_value"),
            annotation_rows.c.rejected_at,
        )
        .join(projects, projects.c.id == reviews.c.project_id)
        .join(items, items.c.id == reviews.c.item_id)
        .outerjoin(annotation_rows, annotation_rows.c.id == reviews.c.annotation_id)
        .where(reviews.c.id == review_id, projects.c.org_id == org_id)
    )
    return conn.execute(stmt).first()


def resolution_of(conn: Connection, item_id: int) -> AnyRow | None:
    """The item's resolution, if it has one."""
    return conn.execute(select(resolutions).where(resolutions.c.item_id == item_id)).first()


def decide(
    conn: Connection,
    review_id: int,
    reviewer_id: int,
    state: str,
    comment: str | None,
    fix_annotation_id: int | None,
    now: datetime,
) -> bool:
    """Record the reviewer's decision on a review they hold; False when they no longer do
    (decided already, or the lease ran out and someone else took it)."""
    return (
        conn.execute(
            update(reviews)
            .where(
                reviews.c.id == review_id,
                reviews.c.state == LEASED,
                reviews.c.reviewer_id == reviewer_id,
            )
            .values(
                state=state, comment=comment, fix_annotation_id=fix_annotation_id, decided_at=now
            )
        ).rowcount
        == 1
    )


def reject_annotation(conn: Connection, annotation_id: int, now: datetime) -> None:
    """Mark an annotation rejected: kept, but counted no more."""
    conn.execute(
        update(annotation_rows).where(annotation_rows.c.id == annotation_id).values(rejected_at=now)
    )


def insert_fix(
    conn: Connection,
    *,
    project_id: int,
    item_id: int,
    user_id: int,
    stage: str,
    value: dict[str, Any],
    supersedes_id: int | None,
    now: datetime,
) -> int:
    """Store a reviewer's value as a new annotation; return its id."""
    stmt = insert(annotation_rows).values(
        project_id=project_id,
        item_id=item_id,
        user_id=user_id,
        stage=stage,
        value=value,
        supersedes_id=supersedes_id,
        created_at=now,
    )
    return int(conn.execute(stmt.returning(annotation_rows.c.id)).scalar_one())


def drop_resolution(conn: Connection, item_id: int) -> None:
    """Remove an item's resolution that no longer stands (its item went back to the queue)."""
    conn.execute(delete(resolutions).where(resolutions.c.item_id == item_id))


def _listing() -> Any:
    return (
        select(
            reviews,
            items.c.external_id,
            annotation_rows.c.value.label("annotation_value"),
            _fix.c.value.label("fix_value"),
            _worker.c.email.label("worker"),
            _reviewer.c.email.label("reviewer"),
        )
        .join(items, items.c.id == reviews.c.item_id)
        .outerjoin(annotation_rows, annotation_rows.c.id == reviews.c.annotation_id)
        .outerjoin(_fix, _fix.c.id == reviews.c.fix_annotation_id)
        .outerjoin(_worker, _worker.c.id == reviews.c.worker_id)
        .outerjoin(_reviewer, _reviewer.c.id == reviews.c.reviewer_id)
    )


def page(
    conn: Connection,
    project_id: int,
    *,
    state: str | None,
    worker_id: int | None,
    after_id: int,
    limit: int,
) -> list[AnyRow]:
    """Up to ``limit`` reviews of the project with id above ``after_id``, oldest first."""
    stmt = _listing().where(reviews.c.project_id == project_id, reviews.c.id > after_id)
    if state is not None:
        stmt = stmt.where(reviews.c.state == state)
    if worker_id is not None:
        stmt = stmt.where(reviews.c.worker_id == worker_id)
    return list(conn.execute(stmt.order_by(reviews.c.id).limit(limit)))


def feedback(conn: Connection, project_id: int, worker_id: int, limit: int) -> list[AnyRow]:
    """Reviewers' decisions on the worker's annotations in the project, newest first, with
    the item's data (the worker saw it when they labeled it)."""
    stmt = (
        _listing()
        .add_columns(items.c.data)
        .where(
            reviews.c.project_id == project_id,
            reviews.c.worker_id == worker_id,
            reviews.c.state.in_(("accepted", "rejected", "fixed")),
        )
        .order_by(reviews.c.decided_at.desc(), reviews.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(stmt))


def counts_by_state(conn: Connection, project_id: int) -> dict[str, int]:
    """How many reviews of the project are in each state."""
    stmt = (
        select(reviews.c.state, func.count())
        .where(reviews.c.project_id == project_id)
        .group_by(reviews.c.state)
    )
    return {str(state): int(n) for state, n in conn.execute(stmt).tuples()}
