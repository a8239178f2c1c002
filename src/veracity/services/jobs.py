"""Background jobs: asking for one, watching it, and running it on a worker.

The ``jobs`` table is the record people see (queued -> running -> done | failed, with
progress); the queue (``veracity.jobs``, in-process or Redis) only carries job ids to a
worker, which calls :meth:`JobService.run`. Claiming a job is one conditional update, so a
job handed to two workers (a queue re-filled after a restart) still runs once.

Kinds: ``resolve`` refits a project's truth model and re-resolves every item
(:mod:`veracity.services.truth_fit`); Veracity also queues it by itself when enough
annotations arrived since the last fit (the workflow's ``refit_after``). ``label_errors``
flags resolved items whose label is probably wrong and sends them to review
(:mod:`veracity.services.label_errors`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import InvalidRecord, NotFound
from veracity.domain.roles import Permission
from veracity.services import audit
from veracity.services.label_errors import flag_label_errors
from veracity.services.projects import Project, require_project, to_project
from veracity.services.resolving import TruthModels
from veracity.services.truth_fit import refit
from veracity.storage.db import Database
from veracity.storage.queries import jobs as q
from veracity.storage.queries import projects as projects_q
from veracity.storage.queries import truth_models as truth_q
from veracity.storage.types import AnyRow, utcnow

log = logging.getLogger(__name__)

RESOLVE = "resolve"
LABEL_ERRORS = "label_errors"
KINDS = (RESOLVE, LABEL_ERRORS)
# A running job that reported nothing for this long lost its worker (a crash, a kill).
STALE_AFTER = timedelta(minutes=15)
# Progress reaches the database at most this often (the CLI's bar sees every step).
REPORT_SECONDS = 0.5
# Annotations counted in this process between two looks at whether a refit is due.
CHECK_EVERY = 20

Listener = Callable[[int, int, str], None]


class Interrupted(Exception):
    """The worker is stopping: the job goes back to the queue, nothing of it is kept."""


@dataclass(frozen=True, slots=True)
class Job:
    """A job as people see it."""

    id: int
    project_id: int | None
    kind: str
    state: str
    done: int
    total: int | None
    step: str | None
    error: str | None
    result: dict[str, Any] | None
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: AnyRow) -> Job:
        """A job from its table row."""
        return cls(
            id=int(row.id),
            project_id=row.project_id,
            kind=row.kind,
            state=row.state,
            done=int(row.progress_done),
            total=row.progress_total,
            step=row.step,
            error=row.error,
            result=row.result,
            created_by=row.created_by,
            created_at=row.created_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )

    @property
    def fraction(self) -> float | None:
        """How much is done, 0 to 1 (None before the total is known)."""
        if self.state == q.DONE:
            return 1.0
        if not self.total:
            return None
        return min(1.0, self.done / self.total)

    def to_json(self) -> dict[str, Any]:
        """The job as the API returns it."""
        return {
            "id": self.id,
            "project_id": self.project_id,
            "kind": self.kind,
            "state": self.state,
            "progress": {"done": self.done, "total": self.total, "fraction": self.fraction},
            "step": self.step,
            "error": self.error,
            "result": self.result,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
        }


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A project's current truth model, as the page and the API show it."""

    id: int
    truth_method: str
    fields: dict[str, Any]
    annotations_seen: int
    items_resolved: int
    fitted_at: datetime
    job_id: int | None

    def to_json(self) -> dict[str, Any]:
        """The model's description (not its parameters)."""
        return {
            "id": self.id,
            "truth_method": self.truth_method,
            "fields": self.fields,
            "annotations_seen": self.annotations_seen,
            "items_resolved": self.items_resolved,
            "fitted_at": self.fitted_at,
            "job_id": self.job_id,
        }


def _categorical(project: Project) -> bool:
    return any(f.kind_name in ("choice", "rating") for f in project.schema.fields)


class JobService:
    """Use cases about background jobs, and the worker's side of running them."""

    def __init__(self, db: Database, truth: TruthModels) -> None:
        self.db = db
        self.truth = truth
        self._dispatch: Callable[[int], None] | None = None
        # Annotations this process stored per project since it last checked for a refit.
        self._added: dict[int, int] = {}
        self._lock = threading.Lock()

    def attach(self, dispatch: Callable[[int], None] | None) -> None:
        """Hand new jobs to ``dispatch`` (the queue); without one they wait, queued, for a
        worker that starts later (which picks up every queued job)."""
        self._dispatch = dispatch

    # -- asking and watching ----------------------------------------------------------------

    def request(self, caller: Caller, project_id: int, kind: str) -> Job:
        """Queue a job on a project (managers and up). A job of the same kind already
        waiting in the queue is returned instead of a second one."""
        caller.require(Permission.run_jobs)
        if kind not in KINDS:
            raise InvalidRecord(f"must be one of: {', '.join(KINDS)}", field="kind")
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            job_id, new = self._queue(conn, project, kind, caller.user_id, reuse_running=False)
            if new:
                audit.record(conn, caller, "job.create", "job", job_id, kind=kind)
            row = q.job_any_org(conn, job_id)
        self._hand_over(job_id)
        assert row is not None
        return Job.from_row(row)

    def _queue(
        self,
        conn: Connection,
        project: Project,
        kind: str,
        created_by: int | None,
        *,
        reuse_running: bool,
    ) -> tuple[int, bool]:
        now = utcnow()
        q.fail_stale(conn, project.id, now - STALE_AFTER, now)
        for active in q.active_jobs(conn, project.id, kind):
            if active.state == q.QUEUED or reuse_running:
                return int(active.id), False
        job_id = q.insert_job(
            conn,
            org_id=project.org_id,
            project_id=project.id,
            kind=kind,
            created_by=created_by,
            now=now,
        )
        return job_id, True

    def _hand_over(self, job_id: int) -> None:
        if self._dispatch is None:
            return
        try:
            self._dispatch(job_id)
        except Exception:
            # The job is recorded as queued: the next worker to start picks it up.
            log.exception("could not hand job %s to the queue", job_id)

    def get(self, caller: Caller, job_id: int) -> Job:
        """One job of the caller's organization."""
        caller.require(Permission.read_results)
        with self.db.read() as conn:
            row = q.job(conn, caller.org_id, job_id)
        if row is None:
            raise NotFound("job", job_id)
        return Job.from_row(row)

    def project_jobs(self, caller: Caller, project_id: int, limit: int = 20) -> list[Job]:
        """The project's most recent jobs, newest first."""
        caller.require(Permission.read_results)
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            rows = q.project_jobs(conn, caller.org_id, project_id, limit)
        return [Job.from_row(r) for r in rows]

    def current_model(self, caller: Caller, project_id: int) -> ModelInfo | None:
        """The project's current truth model (None before its first fit)."""
        caller.require(Permission.read_results)
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            row = truth_q.current_model(conn, caller.org_id, project_id)
        if row is None:
            return None
        return ModelInfo(
            id=int(row.id),
            truth_method=row.truth_method,
            fields=row.summary,
            annotations_seen=int(row.annotations_seen),
            items_resolved=int(row.items_resolved),
            fitted_at=row.fitted_at,
            job_id=row.job_id,
        )

    # -- Veracity asking by itself ------------------------------------------------------------

    def annotations_added(self, project: Project, n: int = 1) -> int | None:
        """Note ``n`` new annotations of the project; queue a refit when enough arrived since
        the last fit (the workflow's ``refit_after``). Returns the job id when it queued one.

        The count of new annotations is read at most every ``CHECK_EVERY`` annotations this
        process stores in the project, so submitting pays nothing for it most of the time.
        """
        flow = project.workflow
        if flow.refit_after is None or not _categorical(project):
            return None
        step = max(1, min(CHECK_EVERY, flow.refit_after // 5))
        with self._lock:
            added = self._added.get(project.id, 0) + n
            due = added >= step
            self._added[project.id] = 0 if due else added
        if not due:
            return None
        with self.db.read() as conn:
            current = self.truth.current(conn, project.id)
            after = current.last_annotation_id if current else 0
            new = truth_q.new_annotations(conn, project.id, after)
        if not flow.wants_refit(current.annotations_seen if current else None, new):
            return None
        log.info("project %s: %s annotations since the last fit; refit", project.id, new)
        return self.refit_soon(project, None)

    def refit_soon(self, project: Project, created_by: int | None) -> int | None:
        """Queue a refit of the project unless one is queued or running already; the new
        job's id, or None."""
        with self.db.write() as conn:
            job_id, created = self._queue(conn, project, RESOLVE, created_by, reuse_running=True)
        if not created:
            return None
        self._hand_over(job_id)
        return job_id

    def method_changed(self, project: Project, created_by: int | None) -> int | None:
        """A project's ``truth_method`` changed: refit it when it has a model (fitted with
        the old method); the new job's id, or None."""
        if not _categorical(project):
            return None
        with self.db.read() as conn:
            fitted = truth_q.current_version(conn, project.id) is not None
        return self.refit_soon(project, created_by) if fitted else None

    # -- the worker's side ----------------------------------------------------------------

    def queued(self) -> list[int]:
        """Every queued job's id, oldest first (for a worker starting up)."""
        with self.db.read() as conn:
            return q.queued_ids(conn)

    def run(
        self,
        job_id: int,
        *,
        listener: Listener | None = None,
        stop: threading.Event | None = None,
    ) -> Job | None:
        """Run a queued job to its end; None when it was not queued (another worker has
        it, or it is over). Failures are recorded on the job, not raised; ``stop`` set
        while it runs puts it back in the queue."""
        with self.db.write() as conn:
            if not q.claim(conn, job_id, utcnow()):
                return None
            row = q.job_any_org(conn, job_id)
            assert row is not None
            project_row = projects_q.project_any_org(conn, row.project_id)
        try:
            if project_row is None:  # pragma: no cover - projects are never deleted today
                raise NotFound("project", row.project_id)
            project = to_project(project_row)
            report = self._reporter(job_id, listener, stop)

            def finish(conn: Connection, result: dict[str, Any]) -> None:
                if not q.finish(conn, job_id, q.DONE, utcnow(), result=result, step="done"):
                    raise Interrupted("the job was ended while it ran")

            if row.kind == LABEL_ERRORS:
                flag_label_errors(self.db, project, report=report, finish=finish)
            else:
                refit(self.db, self.truth, project, job_id=job_id, report=report, finish=finish)
        except Interrupted:
            with self.db.write() as conn:
                q.requeue(conn, job_id)
        except Exception as exc:
            log.exception("job %s failed", job_id)
            message = f"{type(exc).__name__}: {exc}"
            with self.db.write() as conn:
                q.finish(conn, job_id, q.FAILED, utcnow(), error=message, step="failed")
        with self.db.read() as conn:
            final = q.job_any_org(conn, job_id)
        return Job.from_row(final) if final is not None else None

    def _reporter(
        self, job_id: int, listener: Listener | None, stop: threading.Event | None
    ) -> Callable[[int, int, str], None]:
        last = [0.0]

        def report(done: int, total: int, step: str) -> None:
            if stop is not None and stop.is_set():
                raise Interrupted("the worker is stopping")
            if listener is not None:
                listener(done, total, step)
            now = time.monotonic()
            if now - last[0] >= REPORT_SECONDS or done in (0, total):
                last[0] = now
                with self.db.write(durable=False) as conn:
                    q.report(conn, job_id, done, total, step, utcnow())

        return report

    def run_here(
        self, caller: Caller, project_id: int, kind: str, listener: Listener | None = None
    ) -> Job:
        """Queue a job and run it in this process at once (the command line)."""
        caller.require(Permission.run_jobs)
        if kind not in KINDS:
            raise InvalidRecord(f"must be one of: {', '.join(KINDS)}", field="kind")
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            now = utcnow()
            job_id = q.insert_job(
                conn,
                org_id=project.org_id,
                project_id=project.id,
                kind=kind,
                created_by=caller.user_id,
                now=now,
            )
            audit.record(conn, caller, "job.create", "job", job_id, kind=kind)
        ran = self.run(job_id, listener=listener)
        assert ran is not None
        return ran
