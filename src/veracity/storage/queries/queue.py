"""The queue's statements: leases under row locks, and the item counters they keep.

Every change to an item's counters goes through :func:`_counters` so that ``state`` is always
recomputed from the same rule in the same statement (``UPDATE`` sees the old row values, so the
new counts are written as old + delta).

The statements on the hot path (lease, submit) are built once, at import, with bind
parameters: building a SQLAlchemy statement costs more CPU than running it, and a prebuilt
statement also hits the compiled-statement cache every time.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Connection,
    Float,
    Integer,
    Select,
    String,
    TextualSelect,
    bindparam,
    case,
    column,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql

from veracity.storage.tables import assignments, gold, items, projects
from veracity.storage.tables.labels import annotations as annotation_rows
from veracity.storage.tables.workers import worker_blocks
from veracity.storage.types import AnyRow, Json, UTCDateTime

LEASED = "leased"


class Leased(NamedTuple):
    """A lease just taken: the assignment and the item it holds."""

    assignment_id: int
    lease_expires_at: datetime
    item_id: int
    external_id: str | None
    data: dict[str, Any]


class Recorded(NamedTuple):
    """A stored submission and the item's counts after it."""

    annotation_id: int
    n_done: int
    quota: int


GOLD = "gold"


def _state(
    n_leased: ColumnElement[Any], n_done: ColumnElement[Any], quota: ColumnElement[Any]
) -> ColumnElement[Any]:
    # A gold item stays gold: it is shown to every worker once, whatever its counters say.
    return case(
        (items.c.state == GOLD, literal(GOLD)),
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


# -- bind parameters of the prebuilt statements ------------------------------------------------
# A fresh BindParameter per use: SQLAlchemy's statement cache finds the parameters of a
# statement by walking it, and one object reused in several places confuses that walk.


def _project() -> BindParameter[int]:
    return bindparam("project_id", type_=BigInteger)


def _user() -> BindParameter[int]:
    return bindparam("user_id", type_=BigInteger)


def _item() -> BindParameter[int]:
    return bindparam("item_id", type_=BigInteger)


def _assignment() -> BindParameter[int]:
    return bindparam("assignment_id", type_=BigInteger)


def _stage() -> BindParameter[str]:
    return bindparam("stage", type_=String)


def _now() -> BindParameter[datetime]:
    return bindparam("now", type_=UTCDateTime)


# -- leasing ----------------------------------------------------------------------------------


def _held() -> Select[int]:
    """How many leases the user holds in the project.

    Each prebuilt statement gets its own copy: SQLAlchemy's statement cache extracts the
    literal parameters by position, which breaks when one expression object is shared.
    """
    return select(func.count()).where(
        assignments.c.user_id == _user(),
        assignments.c.project_id == _project(),
        assignments.c.status == LEASED,
    )


def _candidate(state: str) -> Select[int]:
    """The first item in ``state`` the user has never been given (gold items in random
    order), while they hold fewer than ``max_open`` leases in the project and are not
    blocked from it."""
    return (
        select(items.c.id)
        .where(
            items.c.project_id == _project(),
            items.c.state == state,
            ~exists().where(
                assignments.c.item_id == items.c.id,
                assignments.c.user_id == _user(),
                assignments.c.stage == _stage(),
            ),
            _held().scalar_subquery() < bindparam("max_open", type_=Integer),
            ~exists().where(
                worker_blocks.c.project_id == _project(),
                worker_blocks.c.user_id == _user(),
                worker_blocks.c.lifted_at.is_(None),
            ),
        )
        .order_by(func.random() if state == GOLD else items.c.id)
        .limit(1)
    )


_HELD = _held()
_CANDIDATE = {"open": _candidate("open"), GOLD: _candidate(GOLD)}

_TAKE_SLOT = (
    update(items)
    .where(items.c.id == _item())
    .values(**_counters(+1, 0))
    .returning(items.c.id, items.c.external_id, items.c.data)
)

_INSERT_LEASE = (
    insert(assignments)
    .values(
        project_id=_project(),
        item_id=_item(),
        user_id=_user(),
        stage=_stage(),
        status=LEASED,
        leased_at=_now(),
        lease_expires_at=bindparam("expires_at", type_=UTCDateTime),
    )
    .returning(assignments.c.id)
)


def _set_counters(leased_delta: int, done_delta: int) -> str:
    """The SET clause of :func:`_counters` as PostgreSQL text, for the statements below."""
    sql = update(items).values(**_counters(leased_delta, done_delta))
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    compiled = sql.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(compiled).removeprefix("UPDATE items SET ")


# PostgreSQL's whole lease as one statement. Written as SQL because SQLAlchemy loses the
# names of bind parameters inside a CTE that an UPDATE ... FROM refers to; the counter rule
# is still the one in ``_counters``, rendered above.
_LEASE_SQL = f"""
WITH picked AS (
    SELECT items.id FROM items
    WHERE items.project_id = :project_id AND items.state = '{{state}}'
      AND NOT EXISTS (
        SELECT 1 FROM assignments given
        WHERE given.item_id = items.id AND given.user_id = :user_id AND given.stage = :stage)
      AND (SELECT count(*) FROM assignments held
           WHERE held.user_id = :user_id AND held.project_id = :project_id
             AND held.status = '{LEASED}') < :max_open
      AND NOT EXISTS (
        SELECT 1 FROM worker_blocks blocked
        WHERE blocked.project_id = :project_id AND blocked.user_id = :user_id
          AND blocked.lifted_at IS NULL)
    ORDER BY {{order}}
    LIMIT 1
    FOR UPDATE OF items {{lock}}
), taken AS (
    UPDATE items SET {_set_counters(+1, 0)}
    FROM picked WHERE items.id = picked.id
    RETURNING items.id, items.external_id, items.data
), leased AS (
    INSERT INTO assignments
        (project_id, item_id, user_id, stage, status, leased_at, lease_expires_at)
    SELECT :project_id, taken.id, :user_id, :stage, '{LEASED}', :now, :expires_at FROM taken
    RETURNING assignments.id, assignments.lease_expires_at, assignments.item_id
)
SELECT leased.id, leased.lease_expires_at, taken.id, taken.external_id, taken.data
FROM leased JOIN taken ON leased.item_id = taken.id
"""  # noqa: S608 - only our own constants are formatted in


def _lease_statement(state: str, lock: str) -> TextualSelect:
    order = "random()" if state == GOLD else "items.id"
    return (
        text(_LEASE_SQL.format(state=state, order=order, lock=lock))
        .bindparams(
            bindparam("project_id", type_=BigInteger),
            bindparam("user_id", type_=BigInteger),
            bindparam("stage", type_=String),
            bindparam("max_open", type_=Integer),
            bindparam("now", type_=UTCDateTime),
            bindparam("expires_at", type_=UTCDateTime),
        )
        .columns(
            column("id", BigInteger),
            column("lease_expires_at", UTCDateTime),
            column("item_id", BigInteger),
            column("external_id", String),
            column("data", Json),
        )
    )


# (state, wait) -> statement
_LEASE = {
    (state, wait): _lease_statement(state, "" if wait else "SKIP LOCKED")
    for state in ("open", GOLD)
    for wait in (False, True)
}


def lease_next(
    conn: Connection,
    *,
    project_id: int,
    user_id: int,
    stage: str,
    max_open: int,
    now: datetime,
    expires_at: datetime,
    wait: bool,
    gold: bool = False,
) -> Leased | None:
    """Lease the first free item to the user (with ``gold``, a gold item they have not seen),
    or None when there is none, the user holds ``max_open`` leases already, or the user is
    blocked from the project.

    PostgreSQL does it in one statement: the item row is locked ``FOR UPDATE SKIP LOCKED``
    (so concurrent callers take different items instead of queueing), its counters move and
    the assignment is inserted, all atomically. With ``wait`` locked rows are waited for
    instead of skipped: a row is locked only for a moment, and answering "no work" while it
    may still have a free slot would send people home from an unfinished project. On SQLite
    the caller holds the database's write lock, so the same steps run as separate statements.
    """
    params = {
        "project_id": project_id,
        "user_id": user_id,
        "stage": stage,
        "max_open": max_open,
        "now": now,
        "expires_at": expires_at,
    }
    state = GOLD if gold else "open"
    if conn.dialect.name == "postgresql":
        row = conn.execute(_LEASE[state, wait], params).first()
        return None if row is None else Leased(*row)
    item_id = conn.execute(_CANDIDATE[state], params).scalar_one_or_none()
    if item_id is None:
        return None
    params["item_id"] = item_id
    item = conn.execute(_TAKE_SLOT, params).one()
    assignment_id = conn.execute(_INSERT_LEASE, params).scalar_one()
    return Leased(int(assignment_id), expires_at, int(item.id), item.external_id, item.data)


def open_lease_count(conn: Connection, project_id: int, user_id: int) -> int:
    """How many items the user holds leased in the project."""
    return int(conn.execute(_HELD, {"project_id": project_id, "user_id": user_id}).scalar_one())


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


def revoke_leases(conn: Connection, project_id: int, user_id: int, now: datetime) -> int:
    """End every open lease of the user in the project and free the slots; return how many."""
    rows = conn.execute(
        update(assignments)
        .where(
            assignments.c.project_id == project_id,
            assignments.c.user_id == user_id,
            assignments.c.status == LEASED,
        )
        .values(status="revoked", ended_at=now)
        .returning(assignments.c.item_id)
    ).all()
    for item_id in sorted(r.item_id for r in rows):
        conn.execute(_RELEASE, {"item_id": item_id})
    return len(rows)


def ask_one_more(conn: Connection, item_id: int) -> None:
    """Want one more annotation of the item (dynamic overlap): it goes back to the queue."""
    quota = items.c.quota + 1
    conn.execute(
        update(items)
        .where(items.c.id == item_id)
        .values(quota=quota, state=_state(items.c.n_leased, items.c.n_done, quota))
    )


def uncount(conn: Connection, item_id: int) -> tuple[int, int]:
    """Take one annotation off the item's count (a reviewer rejected it): its slot opens
    again for someone else. Return the item's (n_done, quota) after."""
    row = conn.execute(
        update(items)
        .where(items.c.id == item_id)
        .values(**_counters(0, -1))
        .returning(items.c.n_done, items.c.quota)
    ).one()
    return int(row.n_done), int(row.quota)


def count_imported(conn: Connection, per_item: dict[int, int]) -> None:
    """Count annotations imported from elsewhere on their items (``{item_id: how many}``)."""
    if not per_item:
        return
    added = bindparam("added", type_=Integer)
    stmt = (
        update(items)
        .where(items.c.id == _item())
        .values(
            n_done=items.c.n_done + added,
            state=_state(items.c.n_leased, items.c.n_done + added, items.c.quota),
        )
    )
    conn.execute(stmt, [{"item_id": i, "added": n} for i, n in sorted(per_item.items())])


def item_counts(conn: Connection, item_ids: list[int]) -> list[tuple[int, int, int, str]]:
    """(id, n_done, quota, state) of each of these items."""
    if not item_ids:
        return []
    stmt = select(items.c.id, items.c.n_done, items.c.quota, items.c.state).where(
        items.c.id.in_(item_ids)
    )
    return [(int(r.id), int(r.n_done), int(r.quota), r.state) for r in conn.execute(stmt)]


def mark_gold(conn: Connection, project_id: int, item_ids: list[int]) -> None:
    """Make items gold: shown once to every worker, outside the overlap."""
    conn.execute(
        update(items)
        .where(items.c.project_id == project_id, items.c.id.in_(item_ids))
        .values(state=GOLD)
    )


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


# -- submitting -------------------------------------------------------------------------------

_ASSIGNMENT_OF = (
    select(
        assignments.c.id,
        assignments.c.project_id,
        assignments.c.item_id,
        assignments.c.stage,
        assignments.c.status,
        items.c.data,
        items.c.state.label("item_state"),
        gold.c.value.label("gold_value"),
    )
    .join(projects, projects.c.id == assignments.c.project_id)
    .join(items, items.c.id == assignments.c.item_id)
    .outerjoin(gold, gold.c.item_id == assignments.c.item_id)
    .where(
        assignments.c.id == _assignment(),
        assignments.c.user_id == _user(),
        projects.c.org_id == bindparam("org_id", type_=BigInteger),
    )
)


def assignment_of(conn: Connection, assignment_id: int, user_id: int, org_id: int) -> AnyRow | None:
    """The user's own assignment with its item's data, state and gold value (if any).

    Anyone else's assignment, or one in another organization, is simply not found.
    """
    params = {"assignment_id": assignment_id, "user_id": user_id, "org_id": org_id}
    return conn.execute(_ASSIGNMENT_OF, params).first()


_END_LEASE = (
    update(assignments)
    .where(assignments.c.id == _assignment(), assignments.c.status == LEASED)
    .values(status=bindparam("status", type_=String), ended_at=_now())
)


def end_lease(conn: Connection, assignment_id: int, status: str, now: datetime) -> bool:
    """Close a lease that is still open; False when it was already closed or taken away."""
    params = {"assignment_id": assignment_id, "status": status, "now": now}
    return conn.execute(_END_LEASE, params).rowcount == 1


def _value() -> BindParameter[Any]:
    return bindparam("value", type_=Json)


def _seconds() -> BindParameter[float]:
    return bindparam("seconds", type_=Float)


_INSERT_ANNOTATION = (
    insert(annotation_rows)
    .values(
        project_id=_project(),
        item_id=_item(),
        assignment_id=_assignment(),
        user_id=_user(),
        stage=_stage(),
        value=_value(),
        seconds=_seconds(),
        created_at=_now(),
    )
    .returning(annotation_rows.c.id)
)

_COUNT_DONE = (
    update(items)
    .where(items.c.id == _item())
    .values(**_counters(-1, +1))
    .returning(items.c.n_done, items.c.quota)
)


_SUBMIT = (
    text(
        f"""
WITH ended AS (
    UPDATE assignments SET status = 'submitted', ended_at = :now
    WHERE assignments.id = :assignment_id AND assignments.status = '{LEASED}'
    RETURNING assignments.id, assignments.item_id
), stored AS (
    INSERT INTO annotations
        (project_id, item_id, assignment_id, user_id, stage, value, seconds, created_at)
    SELECT :project_id, ended.item_id, ended.id, :user_id, :stage, :value, :seconds, :now
    FROM ended
    RETURNING annotations.id, annotations.item_id
), counted AS (
    UPDATE items SET {_set_counters(-1, +1)}
    FROM ended WHERE items.id = ended.item_id
    RETURNING items.id, items.n_done, items.quota
)
SELECT stored.id, counted.n_done, counted.quota
FROM stored JOIN counted ON stored.item_id = counted.id
"""  # noqa: S608 - only our own constants are formatted in
    )
    .bindparams(
        bindparam("assignment_id", type_=BigInteger),
        bindparam("project_id", type_=BigInteger),
        bindparam("user_id", type_=BigInteger),
        bindparam("stage", type_=String),
        bindparam("value", type_=Json),
        bindparam("seconds", type_=Float),
        bindparam("now", type_=UTCDateTime),
    )
    .columns(column("id", BigInteger), column("n_done", Integer), column("quota", Integer))
)


def record_submission(
    conn: Connection,
    *,
    assignment_id: int,
    project_id: int,
    item_id: int,
    user_id: int,
    stage: str,
    value: dict[str, Any],
    seconds: float | None,
    now: datetime,
) -> Recorded | None:
    """Close the lease, store the annotation and count it on the item, atomically; None when
    the lease was no longer open (already used, skipped, or expired and taken back).

    One statement on PostgreSQL (the lease update, the insert and the counter update as
    data-modifying CTEs); separate statements under SQLite's write lock.
    """
    params = {
        "assignment_id": assignment_id,
        "project_id": project_id,
        "item_id": item_id,
        "user_id": user_id,
        "stage": stage,
        "value": value,
        "seconds": seconds,
        "now": now,
        "status": "submitted",
    }
    if conn.dialect.name == "postgresql":
        row = conn.execute(_SUBMIT, params).first()
        return None if row is None else Recorded(int(row[0]), int(row[1]), int(row[2]))
    if conn.execute(_END_LEASE, params).rowcount != 1:
        return None
    annotation_id = conn.execute(_INSERT_ANNOTATION, params).scalar_one()
    counts = conn.execute(_COUNT_DONE, params).one()
    return Recorded(int(annotation_id), int(counts.n_done), int(counts.quota))


_RELEASE = update(items).where(items.c.id == _item()).values(**_counters(-1, 0))


def release(conn: Connection, item_id: int) -> None:
    """Give one leased slot of the item back to the queue."""
    conn.execute(_RELEASE, {"item_id": item_id})
