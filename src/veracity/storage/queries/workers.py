"""Workers' gold scores and blocks, per project."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from veracity.storage.tables import memberships, users, worker_blocks, worker_scores
from veracity.storage.tables.labels import annotations as annotation_rows
from veracity.storage.types import AnyRow


def count_gold_answer(
    conn: Connection, project_id: int, user_id: int, correct: bool, now: datetime
) -> AnyRow:
    """Add one gold answer to the worker's counts; return the counts after it."""
    hit = int(correct)
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    stmt = dialect.insert(worker_scores).values(
        project_id=project_id,
        user_id=user_id,
        gold_seen=1,
        gold_correct=hit,
        window_seen=1,
        window_correct=hit,
        updated_at=now,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["project_id", "user_id"],
        set_={
            "gold_seen": worker_scores.c.gold_seen + 1,
            "gold_correct": worker_scores.c.gold_correct + hit,
            "window_seen": worker_scores.c.window_seen + 1,
            "window_correct": worker_scores.c.window_correct + hit,
            "updated_at": now,
        },
    ).returning(
        worker_scores.c.gold_seen,
        worker_scores.c.gold_correct,
        worker_scores.c.window_seen,
        worker_scores.c.window_correct,
    )
    return conn.execute(stmt).one()


def count_review(
    conn: Connection, project_id: int, user_id: int, accepted: bool, now: datetime
) -> None:
    """Add one reviewer's decision on the worker's work to their counts."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    hit = int(accepted)
    stmt = dialect.insert(worker_scores).values(
        project_id=project_id,
        user_id=user_id,
        gold_seen=0,
        gold_correct=0,
        window_seen=0,
        window_correct=0,
        review_accepted=hit,
        review_rejected=1 - hit,
        updated_at=now,
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["project_id", "user_id"],
            set_={
                "review_accepted": worker_scores.c.review_accepted + hit,
                "review_rejected": worker_scores.c.review_rejected + 1 - hit,
                "updated_at": now,
            },
        )
    )


def active_block(conn: Connection, project_id: int, user_id: int) -> AnyRow | None:
    """The worker's block from the project, if one is in force."""
    stmt = select(worker_blocks).where(
        worker_blocks.c.project_id == project_id,
        worker_blocks.c.user_id == user_id,
        worker_blocks.c.lifted_at.is_(None),
    )
    return conn.execute(stmt).first()


def block(conn: Connection, project_id: int, user_id: int, reason: str, now: datetime) -> int:
    """Stop the worker from taking the project's work; return the block's id."""
    stmt = insert(worker_blocks).values(
        project_id=project_id, user_id=user_id, reason=reason[:500], created_at=now
    )
    return int(conn.execute(stmt.returning(worker_blocks.c.id)).scalar_one())


def lift(
    conn: Connection, project_id: int, user_id: int, lifted_by: int | None, now: datetime
) -> bool:
    """Lift the worker's block and restart the window their accuracy is judged on."""
    lifted = conn.execute(
        update(worker_blocks)
        .where(
            worker_blocks.c.project_id == project_id,
            worker_blocks.c.user_id == user_id,
            worker_blocks.c.lifted_at.is_(None),
        )
        .values(lifted_at=now, lifted_by=lifted_by)
    ).rowcount
    conn.execute(
        update(worker_scores)
        .where(worker_scores.c.project_id == project_id, worker_scores.c.user_id == user_id)
        .values(window_seen=0, window_correct=0, updated_at=now)
    )
    return lifted > 0


def workers_of(conn: Connection, org_id: int, project_id: int) -> list[AnyRow]:
    """Every member who worked on the project, with annotation and gold counts and whether
    they are blocked, by email."""
    done = (
        select(annotation_rows.c.user_id, func.count().label("annotations"))
        .where(annotation_rows.c.project_id == project_id)
        .group_by(annotation_rows.c.user_id)
        .subquery()
    )
    blocked = (
        select(worker_blocks.c.user_id, worker_blocks.c.reason)
        .where(worker_blocks.c.project_id == project_id, worker_blocks.c.lifted_at.is_(None))
        .subquery()
    )
    scores = select(worker_scores).where(worker_scores.c.project_id == project_id).subquery()
    stmt = (
        select(
            users.c.id.label("user_id"),
            users.c.email,
            func.coalesce(done.c.annotations, 0).label("annotations"),
            func.coalesce(scores.c.gold_seen, 0).label("gold_seen"),
            func.coalesce(scores.c.gold_correct, 0).label("gold_correct"),
            func.coalesce(scores.c.review_accepted, 0).label("review_accepted"),
            func.coalesce(scores.c.review_rejected, 0).label("review_rejected"),
            blocked.c.reason.label("blocked_reason"),
        )
        .join(memberships, memberships.c.user_id == users.c.id)
        .outerjoin(done, done.c.user_id == users.c.id)
        .outerjoin(scores, scores.c.user_id == users.c.id)
        .outerjoin(blocked, blocked.c.user_id == users.c.id)
        .where(
            memberships.c.org_id == org_id,
            (done.c.annotations.is_not(None))
            | (scores.c.gold_seen.is_not(None))
            | (blocked.c.user_id.is_not(None)),
        )
        .order_by(users.c.email)
    )
    return list(conn.execute(stmt))
