"""Working a project's queue: lease the next item, submit or skip it.

The guarantees (an item is never leased twice to one person, never gets more than ``overlap``
annotations, and a lost lease cannot be submitted) are kept by the database: item counters
updated under row locks (PostgreSQL ``FOR UPDATE SKIP LOCKED``, SQLite's single writer), a
unique index on (item, person, stage), and conditional updates of the lease. No Python-side
lock is involved, so any number of server processes can share one database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from veracity.domain.caller import Caller
from veracity.domain.errors import Conflict, InvalidRecord, NotFound
from veracity.domain.roles import Permission
from veracity.services.projects import require_project
from veracity.services.resolving import resolve_item
from veracity.services.retry import retrying
from veracity.storage.db import Database
from veracity.storage.queries import annotations as annotations_q
from veracity.storage.queries import queue as q
from veracity.storage.types import utcnow

LABEL = "label"
MAX_SECONDS = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Lease:
    """An item leased to the caller until ``lease_expires_at``."""

    assignment_id: int
    stage: str
    lease_expires_at: datetime
    item_id: int
    external_id: str | None
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The lease as the API returns it."""
        return {
            "assignment_id": self.assignment_id,
            "stage": self.stage,
            "lease_expires_at": self.lease_expires_at,
            "item": {"id": self.item_id, "external_id": self.external_id, "data": self.data},
            "prediction": None,
        }


@dataclass(frozen=True, slots=True)
class Submitted:
    """A stored annotation."""

    annotation_id: int
    assignment_id: int
    item_id: int


def _check_seconds(seconds: float | None) -> float | None:
    if seconds is None:
        return None
    if not 0 <= seconds <= MAX_SECONDS:
        raise InvalidRecord(f"must be between 0 and {MAX_SECONDS:.0f}", field="seconds")
    return float(seconds)


class QueueService:
    """Use cases of a person working through a project."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def next(self, caller: Caller, project_id: int) -> Lease | None:
        """Lease the next item to the caller, or None when there is no work for them now."""
        caller.require(Permission.work)
        user_id = caller.worker_id()

        def lease() -> Lease | None:
            with self.db.write() as conn:
                project = require_project(conn, caller, project_id)
                now = utcnow()
                q.expire_leases(conn, project_id, now)
                held = q.open_lease_count(conn, project_id, user_id)
                if held >= project.workflow.max_open_leases:
                    raise Conflict(
                        f"you hold {held} open leases in this project (the most allowed); "
                        "submit or skip them first"
                    )
                item_id = q.pick_item(
                    conn, project_id, user_id, LABEL, row_locks=self.db.is_postgresql
                )
                if item_id is None:
                    return None
                expires = now + timedelta(seconds=project.workflow.lease_seconds)
                assignment_id, item = q.lease_item(
                    conn, project_id, item_id, user_id, LABEL, now, expires
                )
            return Lease(assignment_id, LABEL, expires, item.id, item.external_id, item.data)

        return retrying(lease)

    def open_leases(self, caller: Caller, project_id: int) -> list[Lease]:
        """The caller's leases in the project that are still open, oldest first."""
        caller.require(Permission.work)
        user_id = caller.worker_id()
        with self.db.write() as conn:
            require_project(conn, caller, project_id)
            q.expire_leases(conn, project_id, utcnow())
            rows = q.open_leases(conn, project_id, user_id)
        return [
            Lease(r.assignment_id, r.stage, r.lease_expires_at, r.item_id, r.external_id, r.data)
            for r in rows
        ]

    def submit(
        self, caller: Caller, assignment_id: int, value: Any, seconds: float | None = None
    ) -> Submitted:
        """Store the caller's answer for a lease they still hold.

        ``Conflict`` when the lease was already submitted, skipped, or lost after expiring;
        ``InvalidRecord`` naming the field when the value does not fit the schema.
        """
        caller.require(Permission.work)
        user_id = caller.worker_id()
        worked = _check_seconds(seconds)
        with self.db.write() as conn:
            row = q.assignment_of(conn, assignment_id, user_id, caller.org_id)
            if row is None:
                raise NotFound("assignment", assignment_id)
            _require_open(row.status)
            project = require_project(conn, caller, row.project_id)
            clean = project.schema.check(value, row.data)
            now = utcnow()
            if not q.end_lease(conn, assignment_id, "submitted", now):
                raise Conflict("the lease was lost before this submission arrived")
            annotation_id = annotations_q.insert_annotation(
                conn,
                project_id=row.project_id,
                item_id=row.item_id,
                assignment_id=assignment_id,
                user_id=user_id,
                stage=row.stage,
                value=clean,
                seconds=worked,
                now=now,
            )
            counts = q.count_done(conn, row.item_id)
            if counts.n_done >= counts.quota:
                resolve_item(conn, project, row.item_id)
        return Submitted(annotation_id, assignment_id, int(row.item_id))

    def skip(self, caller: Caller, assignment_id: int) -> None:
        """Give the leased item back; it goes to someone else, never again to the caller."""
        caller.require(Permission.work)
        user_id = caller.worker_id()
        with self.db.write() as conn:
            row = q.assignment_of(conn, assignment_id, user_id, caller.org_id)
            if row is None:
                raise NotFound("assignment", assignment_id)
            _require_open(row.status)
            if not q.end_lease(conn, assignment_id, "skipped", utcnow()):
                raise Conflict("the lease was lost")
            q.release(conn, row.item_id)


def _require_open(status: str) -> None:
    if status == "submitted":
        raise Conflict("this assignment was already submitted")
    if status == "skipped":
        raise Conflict("this assignment was skipped")
    if status == "expired":
        raise Conflict("the lease expired and the item went back to the queue")
