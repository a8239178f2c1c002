"""Truth models: each project's fitted worker parameters, and the reads a refit needs."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Float,
    Integer,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import aliased

from veracity.storage.tables import annotations as annotation_rows
from veracity.storage.tables import gold, resolutions, truth_models
from veracity.storage.types import AnyRow, Json, UTCDateTime

LABEL = "label"
_newer = aliased(annotation_rows)
# Current: not superseded by a reviewer's fix, and not rejected by a reviewer.
_current = annotation_rows.c.rejected_at.is_(None) & ~exists().where(
    _newer.c.supersedes_id == annotation_rows.c.id
)

# -- the current model ------------------------------------------------------------------------

_VERSION = (
    select(truth_models.c.id)
    .where(truth_models.c.project_id == bindparam("project_id", type_=BigInteger))
    .order_by(truth_models.c.id.desc())
    .limit(1)
)


def current_version(conn: Connection, project_id: int) -> int | None:
    """The id of the project's newest model, or None when it has none."""
    found = conn.execute(_VERSION, {"project_id": project_id}).scalar()
    return None if found is None else int(found)


def model(conn: Connection, model_id: int) -> AnyRow | None:
    """One stored model (every column)."""
    return conn.execute(select(truth_models).where(truth_models.c.id == model_id)).first()


def current_model(conn: Connection, org_id: int, project_id: int) -> AnyRow | None:
    """The project's newest model, if the project is the organization's."""
    stmt = (
        select(truth_models)
        .where(truth_models.c.project_id == project_id, truth_models.c.org_id == org_id)
        .order_by(truth_models.c.id.desc())
        .limit(1)
    )
    return conn.execute(stmt).first()


def store_model(conn: Connection, values: dict[str, Any]) -> int:
    """Store a new model of a project and drop the older ones; return its id (version)."""
    stmt = insert(truth_models).values(**values).returning(truth_models.c.id)
    model_id = int(conn.execute(stmt).scalar_one())
    conn.execute(
        delete(truth_models).where(
            truth_models.c.project_id == values["project_id"], truth_models.c.id < model_id
        )
    )
    return model_id


# -- what a fit reads -------------------------------------------------------------------------


def fit_annotations(conn: Connection, project_id: int) -> list[AnyRow]:
    """Every current label annotation of the project: id, item, who (user id or outside
    worker) and value, in id order."""
    stmt = (
        select(
            annotation_rows.c.id,
            annotation_rows.c.item_id,
            annotation_rows.c.user_id,
            annotation_rows.c.external_worker,
            annotation_rows.c.value,
        )
        .where(
            annotation_rows.c.project_id == project_id, annotation_rows.c.stage == LABEL, _current
        )
        .order_by(annotation_rows.c.id)
    )
    return list(conn.execute(stmt))


_ITEM_ANSWERS = (
    select(annotation_rows.c.user_id, annotation_rows.c.external_worker, annotation_rows.c.value)
    .where(
        annotation_rows.c.item_id == bindparam("item_id", type_=BigInteger),
        annotation_rows.c.stage == LABEL,
        _current,
    )
    .order_by(annotation_rows.c.id)
)


def item_answers(conn: Connection, item_id: int) -> list[AnyRow]:
    """The item's current label annotations (user id or outside worker, value), oldest
    first."""
    return list(conn.execute(_ITEM_ANSWERS, {"item_id": item_id}))


def new_annotations(conn: Connection, project_id: int, after_id: int) -> int:
    """How many label annotations of the project came after annotation ``after_id``."""
    stmt = select(func.count()).where(
        annotation_rows.c.project_id == project_id,
        annotation_rows.c.id > after_id,
        annotation_rows.c.stage == LABEL,
    )
    return int(conn.execute(stmt).scalar_one())


def gold_values(conn: Connection, project_id: int) -> dict[Hashable, dict[str, Any]]:
    """The project's gold values by item id."""
    stmt = select(gold.c.item_id, gold.c.value).where(gold.c.project_id == project_id)
    return {int(r.item_id): r.value for r in conn.execute(stmt)}


def resolved_items(conn: Connection, project_id: int) -> dict[int, int]:
    """Items of the project resolved from annotations (not gold): item id -> how many
    annotations that resolution saw."""
    stmt = select(resolutions.c.item_id, resolutions.c.n_annotations).where(
        resolutions.c.project_id == project_id, resolutions.c.source != "gold"
    )
    return {int(r.item_id): int(r.n_annotations) for r in conn.execute(stmt)}


_UPDATE_RESOLUTION = (
    update(resolutions)
    .where(
        resolutions.c.item_id == bindparam("b_item_id", type_=BigInteger),
        resolutions.c.n_annotations == bindparam("b_seen", type_=Integer),
        resolutions.c.source != "gold",
    )
    .values(
        value=bindparam("b_value", type_=Json),
        confidence=bindparam("b_confidence", type_=Float),
        method=bindparam("b_method", type_=String),
        source=bindparam("b_source", type_=String),
        updated_at=bindparam("b_now", type_=UTCDateTime),
    )
)


def update_resolutions(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Rewrite resolutions ``{b_item_id, b_seen, b_value, b_confidence, b_method, b_source,
    b_now}``, each only while its item still has the ``b_seen`` annotations it was computed
    from (a submission that came meanwhile is left to :func:`not_updated_since`)."""
    if rows:
        conn.execute(_UPDATE_RESOLUTION, rows)


def not_updated_since(conn: Connection, project_id: int, when: datetime) -> list[int]:
    """Items of the project resolved from annotations whose resolution was not written at
    ``when`` (the refit's own timestamp): they changed while the refit ran."""
    stmt = select(resolutions.c.item_id).where(
        resolutions.c.project_id == project_id,
        resolutions.c.source != "gold",
        resolutions.c.updated_at != when,
    )
    return [int(i) for i in conn.execute(stmt).scalars()]
