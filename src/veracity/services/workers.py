"""What a project knows of its workers: gold accuracy with counts, and who is stopped."""

from __future__ import annotations

from dataclasses import dataclass

from veracity.domain.caller import Caller
from veracity.domain.errors import NotFound
from veracity.domain.roles import Permission
from veracity.services import audit
from veracity.services.projects import require_project
from veracity.storage.db import Database
from veracity.storage.queries import accounts as accounts_q
from veracity.storage.queries import workers as q
from veracity.storage.types import AnyRow, utcnow


@dataclass(frozen=True, slots=True)
class WorkerStanding:
    """One worker in one project. Accuracy comes with the count it rests on."""

    user_id: int
    email: str
    annotations: int
    gold_seen: int
    gold_correct: int
    blocked_reason: str | None
    review_accepted: int = 0
    review_rejected: int = 0

    @property
    def gold_accuracy(self) -> float | None:
        """Share of gold items answered right, or None before the first one."""
        return self.gold_correct / self.gold_seen if self.gold_seen else None

    @property
    def review_acceptance(self) -> float | None:
        """Share of the worker's reviewed answers that reviewers accepted as they were."""
        reviewed = self.review_accepted + self.review_rejected
        return self.review_accepted / reviewed if reviewed else None

    def to_json(self) -> dict[str, object]:
        """The standing as the API returns it."""
        return {
            "user_id": self.user_id,
            "email": self.email,
            "annotations": self.annotations,
            "gold_seen": self.gold_seen,
            "gold_correct": self.gold_correct,
            "gold_accuracy": self.gold_accuracy,
            "review_accepted": self.review_accepted,
            "review_rejected": self.review_rejected,
            "review_acceptance": self.review_acceptance,
            "blocked": self.blocked_reason is not None,
            "blocked_reason": self.blocked_reason,
        }


class WorkerService:
    """Use cases about the people working on a project."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def standings(self, caller: Caller, project_id: int) -> list[WorkerStanding]:
        """Every worker of the project with their counts (leads and reviewers)."""
        caller.require(Permission.read_stats)
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            rows = q.workers_of(conn, caller.org_id, project_id)
        return [_standing(r) for r in rows]

    def my_standing(self, caller: Caller, project_id: int) -> WorkerStanding:
        """The caller's own counts in the project."""
        caller.require(Permission.work)
        user_id = caller.worker_id()
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            rows = q.workers_of(conn, caller.org_id, project_id)
        for r in rows:
            if int(r.user_id) == user_id:
                return _standing(r)
        return WorkerStanding(user_id, caller.email, 0, 0, 0, None)

    def unblock(self, caller: Caller, project_id: int, user_id: int) -> None:
        """Let a stopped worker take the project's work again; their accuracy is then judged
        on new gold answers only."""
        caller.require(Permission.manage_members)
        with self.db.write() as conn:
            require_project(conn, caller, project_id)
            if accounts_q.membership(conn, caller.org_id, user_id) is None:
                raise NotFound("user", user_id)
            if not q.lift(conn, project_id, user_id, caller.user_id, utcnow()):
                raise NotFound("block of user", user_id)
            audit.record(conn, caller, "worker.unblock", "user", user_id, project_id=project_id)


def _standing(row: AnyRow) -> WorkerStanding:
    """A worker's standing from their row of ``workers_of``."""
    return WorkerStanding(
        int(row.user_id),
        row.email,
        int(row.annotations),
        int(row.gold_seen),
        int(row.gold_correct),
        row.blocked_reason,
        int(row.review_accepted),
        int(row.review_rejected),
    )
