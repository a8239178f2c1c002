"""Working a project's queue: lease the next item, submit or skip it.

The guarantees (an item is never leased twice to one person, never gets more than ``overlap``
annotations, and a lost lease cannot be submitted) are kept by the database: item counters
updated under row locks (PostgreSQL ``FOR UPDATE SKIP LOCKED``, SQLite's single writer), a
unique index on (item, person, stage), and conditional updates of the lease. No Python-side
lock is involved, so any number of server processes can share one database.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import Conflict, Forbidden, InvalidRecord, NotFound
from veracity.domain.gold import matches_gold
from veracity.domain.roles import Permission
from veracity.services import audit, review
from veracity.services.jobs import JobService
from veracity.services.projects import Project, RecentProjects
from veracity.services.resolving import TruthModels, resolve_item, user_worker
from veracity.services.retry import retrying
from veracity.storage.db import Database
from veracity.storage.queries import queue as q
from veracity.storage.queries import workers as workers_q
from veracity.storage.types import utcnow

LABEL = "label"
MAX_SECONDS = 24 * 3600.0
# How often one process looks for expired leases while handing out work.
SWEEP_SECONDS = 1.0


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

    def __init__(
        self, db: Database, recent: RecentProjects, truth: TruthModels, jobs: JobService
    ) -> None:
        self.db = db
        self.recent = recent
        self.truth = truth
        self.jobs = jobs
        # When this process last swept each project's expired leases (monotonic seconds).
        self._swept: dict[int, float] = {}
        # Which leases are gold is drawn at random, so no pattern gives them away.
        self._chance = random.SystemRandom()

    def next(self, caller: Caller, project_id: int) -> Lease | None:
        """Lease the next item to the caller, or None when there is no work for them now.

        The common case is one statement. Expired leases are swept at most every
        ``SWEEP_SECONDS`` per process on that path, and always before the answer is "no work"
        or "too many open leases", so a lapsed lease is never the reason for either.
        """
        caller.require(Permission.work)
        user_id = caller.worker_id()
        flow = self.recent.get(caller, project_id).workflow

        def lease(wait: bool, gold: bool = False) -> q.Leased | None:
            now = utcnow()
            # A lease lost to a database crash loses nobody's work (its submit would answer
            # 404 and the slot was never taken), so its commit need not wait for the disk.
            with self.db.write(durable=False) as conn:
                return q.lease_next(
                    conn,
                    project_id=project_id,
                    user_id=user_id,
                    stage=LABEL,
                    max_open=flow.max_open_leases,
                    now=now,
                    expires_at=now + timedelta(seconds=flow.lease_seconds),
                    wait=wait,
                    gold=gold,
                )

        if time.monotonic() - self._swept.get(project_id, 0.0) > SWEEP_SECONDS:
            self._sweep(project_id)
        leased = None
        if flow.gold_rate and self._chance.random() < flow.gold_rate:
            leased = retrying(lambda: lease(wait=False, gold=True))
        if leased is None:
            leased = retrying(lambda: lease(wait=False))
        if leased is None:
            self._sweep(project_id)
            leased = retrying(lambda: lease(wait=True))
        if leased is None:
            with self.db.read() as conn:
                blocked = workers_q.active_block(conn, project_id, user_id)
                held = q.open_lease_count(conn, project_id, user_id)
            if blocked is not None:
                raise Forbidden(f"you are stopped from this project's work: {blocked.reason}")
            if held >= flow.max_open_leases:
                raise Conflict(
                    f"you hold {held} open leases in this project (the most allowed); "
                    "submit or skip them first"
                )
            return None
        return Lease(
            leased.assignment_id,
            LABEL,
            leased.lease_expires_at,
            leased.item_id,
            leased.external_id,
            leased.data,
        )

    def _sweep(self, project_id: int) -> None:
        self._swept[project_id] = time.monotonic()

        def expire() -> None:
            with self.db.write(durable=False) as conn:
                q.expire_leases(conn, project_id, utcnow())

        retrying(expire)

    def open_leases(self, caller: Caller, project_id: int) -> list[Lease]:
        """The caller's leases in the project that are still open, oldest first."""
        caller.require(Permission.work)
        user_id = caller.worker_id()
        self.recent.get(caller, project_id)
        self._sweep(project_id)
        with self.db.read() as conn:
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
        ``InvalidRecord`` naming the field when the value does not fit the schema. The item's
        resolution is written in the same transaction when this answer completes the item.
        """
        caller.require(Permission.work)
        user_id = caller.worker_id()
        worked = _check_seconds(seconds)

        def store() -> tuple[Submitted, Project]:
            with self.db.write() as conn:
                row = q.assignment_of(conn, assignment_id, user_id, caller.org_id)
                if row is None:
                    raise NotFound("assignment", assignment_id)
                _require_open(row.status)
                project = self.recent.get(caller, row.project_id, conn)
                clean = project.schema.check(value, row.data)
                recorded = q.record_submission(
                    conn,
                    assignment_id=assignment_id,
                    project_id=row.project_id,
                    item_id=row.item_id,
                    user_id=user_id,
                    stage=row.stage,
                    value=clean,
                    seconds=worked,
                    now=utcnow(),
                )
                if recorded is None:
                    raise Conflict("the lease was lost before this submission arrived")
                if row.item_state == q.GOLD:
                    self._score_gold(conn, caller, project, user_id, clean, row.gold_value)
                else:
                    final = None
                    if recorded.n_done >= recorded.quota:
                        # The item's row lock, held since the counter update, makes any other
                        # completing submission wait, so the values read here include all.
                        only = [(user_worker(user_id), clean)] if recorded.n_done == 1 else None
                        final = resolve_item(conn, project, row.item_id, only, self.truth)
                        flow = project.workflow
                        if final and flow.wants_another(final.confidence, recorded.n_done):
                            # Dynamic overlap: still unsure, so one more person.
                            q.ask_one_more(conn, row.item_id)
                            final = None
                    if review.reviews_anything(project):
                        review.after_submit(
                            conn,
                            project,
                            user_id=user_id,
                            item_id=int(row.item_id),
                            annotation_id=recorded.annotation_id,
                            draw=self._chance.random(),
                            final=final,
                            n_done=recorded.n_done,
                        )
            return Submitted(recorded.annotation_id, assignment_id, int(row.item_id)), project

        # Safe to run again: a transaction that lost a race changed nothing.
        submitted, project = retrying(store)
        self.jobs.annotations_added(project)
        return submitted

    def _score_gold(
        self,
        conn: Connection,
        caller: Caller,
        project: Project,
        user_id: int,
        answer: dict[str, Any],
        expected: dict[str, Any],
    ) -> None:
        """Count a gold answer, and stop the worker when they fall below the project's bar:
        their open leases go back to the queue at once."""
        now = utcnow()
        correct = matches_gold(project.schema, answer, expected)
        counts = workers_q.count_gold_answer(conn, project.id, user_id, correct, now)
        flow = project.workflow
        if not flow.below_bar(counts.window_seen, counts.window_correct):
            return
        if workers_q.active_block(conn, project.id, user_id) is not None:
            return
        reason = (
            f"accuracy on gold {counts.window_correct}/{counts.window_seen} is below "
            f"{flow.min_gold_accuracy:.0%}"
        )
        workers_q.block(conn, project.id, user_id, reason, now)
        q.revoke_leases(conn, project.id, user_id, now)
        audit.record(
            conn, caller, "worker.block", "user", user_id, project_id=project.id, reason=reason
        )

    def skip(self, caller: Caller, assignment_id: int) -> None:
        """Give the leased item back; it goes to someone else, never again to the caller."""
        caller.require(Permission.work)
        user_id = caller.worker_id()

        def give_back() -> None:
            with self.db.write() as conn:
                row = q.assignment_of(conn, assignment_id, user_id, caller.org_id)
                if row is None:
                    raise NotFound("assignment", assignment_id)
                _require_open(row.status)
                if not q.end_lease(conn, assignment_id, "skipped", utcnow()):
                    raise Conflict("the lease was lost")
                q.release(conn, row.item_id)

        retrying(give_back)


def _require_open(status: str) -> None:
    if status == "submitted":
        raise Conflict("this assignment was already submitted")
    if status == "skipped":
        raise Conflict("this assignment was skipped")
    if status == "expired":
        raise Conflict("the lease expired and the item went back to the queue")
    if status == "revoked":
        raise Conflict("the lease was withdrawn: you were stopped from this project's work")
