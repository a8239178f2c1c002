"""Annotations: immutable submitted values."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Connection, String, bindparam, exists, func, insert, select
from sqlalchemy.orm import aliased

from veracity.storage.tables import annotations, users
from veracity.storage.types import AnyRow


def insert_annotation(
    conn: Connection,
    *,
    project_id: int,
    item_id: int,
    assignment_id: int | None,
    user_id: int | None,
    stage: str,
    value: dict[str, Any],
    seconds: float | None,
    now: datetime,
) -> int:
    """Store a submitted value; return the annotation's id."""
    stmt = insert(annotations).values(
        project_id=project_id,
        item_id=item_id,
        assignment_id=assignment_id,
        user_id=user_id,
        stage=stage,
        value=value,
        seconds=seconds,
        created_at=now,
    )
    return int(conn.execute(stmt.returning(annotations.c.id)).scalar_one())


_newer = aliased(annotations)


_CURRENT_VALUES = (
    select(annotations.c.value)
    .where(
        annotations.c.item_id == bindparam("item_id", type_=BigInteger),
        annotations.c.stage == bindparam("stage", type_=String),
        annotations.c.rejected_at.is_(None),
        ~exists().where(_newer.c.supersedes_id == annotations.c.id),
    )
    .order_by(annotations.c.id)
)


def current_values(conn: Connection, item_id: int, stage: str = "label") -> list[dict[str, Any]]:
    """The item's annotation values that no later fix has superseded and no reviewer has
    rejected, oldest first."""
    rows = conn.execute(_CURRENT_VALUES, {"item_id": item_id, "stage": stage})
    return [row.value for row in rows]


def imported_pairs(
    conn: Connection, item_ids: list[int], workers: list[str]
) -> dict[tuple[int, str], dict[str, Any]]:
    """Imported annotations already stored for these items by these outside workers."""
    if not item_ids:
        return {}
    stmt = select(annotations.c.item_id, annotations.c.external_worker, annotations.c.value).where(
        annotations.c.item_id.in_(item_ids), annotations.c.external_worker.in_(workers)
    )
    return {(row.item_id, row.external_worker): row.value for row in conn.execute(stmt)}


def insert_imported(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store imported annotations ``{project_id, item_id, external_worker, stage, value,
    seconds, created_at}``."""
    if rows:
        conn.execute(insert(annotations), rows)


def project_answers(conn: Connection, project_id: int) -> list[AnyRow]:
    """Every current (not superseded, not rejected) label annotation of the project: item,
    who (user email or outside worker id) and value, in id order."""
    stmt = (
        select(
            annotations.c.item_id,
            func.coalesce(users.c.email, annotations.c.external_worker).label("worker"),
            annotations.c.value,
        )
        .outerjoin(users, users.c.id == annotations.c.user_id)
        .where(
            annotations.c.project_id == project_id,
            annotations.c.stage == "label",
            annotations.c.rejected_at.is_(None),
            ~exists().where(_newer.c.supersedes_id == annotations.c.id),
        )
        .order_by(annotations.c.id)
    )
    return list(conn.execute(stmt))
