"""Jobs: the user-visible record of background work, scoped by organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from veracity.storage.tables import jobs
from veracity.storage.types import AnyRow

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
ACTIVE = (QUEUED, RUNNING)


def insert_job(
    conn: Connection,
    *,
    org_id: int,
    project_id: int | None,
    kind: str,
    created_by: int | None,
    now: datetime,
) -> int:
    """Record a queued job; return its id."""
    stmt = insert(jobs).values(
        org_id=org_id,
        project_id=project_id,
        kind=kind,
        state=QUEUED,
        progress_done=0,
        created_by=created_by,
        created_at=now,
    )
    return int(conn.execute(stmt.returning(jobs.c.id)).scalar_one())


def job(conn: Connection, org_id: int, job_id: int) -> AnyRow | None:
    """The job, if it belongs to the organization."""
    stmt = select(jobs).where(jobs.c.id == job_id, jobs.c.org_id == org_id)
    return conn.execute(stmt).first()


def job_any_org(conn: Connection, job_id: int) -> AnyRow | None:
    """The job, whatever its organization (for the worker that runs it)."""
    return conn.execute(select(jobs).where(jobs.c.id == job_id)).first()


def project_jobs(conn: Connection, org_id: int, project_id: int, limit: int) -> list[AnyRow]:
    """The project's most recent jobs, newest first."""
    stmt = (
        select(jobs)
        .where(jobs.c.org_id == org_id, jobs.c.project_id == project_id)
        .order_by(jobs.c.id.desc())
        .limit(limit)
    )
    return list(conn.execute(stmt))


def active_jobs(conn: Connection, project_id: int, kind: str) -> list[AnyRow]:
    """The project's queued or running jobs of ``kind``, oldest first."""
    stmt = (
        select(jobs)
        .where(jobs.c.project_id == project_id, jobs.c.kind == kind, jobs.c.state.in_(ACTIVE))
        .order_by(jobs.c.id)
    )
    return list(conn.execute(stmt))


def queued_ids(conn: Connection) -> list[int]:
    """Every queued job, oldest first (to hand to a queue that lost them)."""
    stmt = select(jobs.c.id).where(jobs.c.state == QUEUED).order_by(jobs.c.id)
    return [int(i) for i in conn.execute(stmt).scalars()]


def claim(conn: Connection, job_id: int, now: datetime) -> bool:
    """Move a queued job to running; False when it is not queued (taken, or finished)."""
    stmt = (
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == QUEUED)
        .values(state=RUNNING, started_at=now, heartbeat_at=now, error=None)
    )
    return conn.execute(stmt).rowcount == 1


def report(
    conn: Connection, job_id: int, done: int, total: int | None, step: str, now: datetime
) -> None:
    """Record a running job's progress."""
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == RUNNING)
        .values(progress_done=done, progress_total=total, step=step[:200], heartbeat_at=now)
    )


def finish(
    conn: Connection,
    job_id: int,
    state: str,
    now: datetime,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    step: str | None = None,
) -> bool:
    """End a running job as done or failed; False when it was not running any more."""
    values: dict[str, Any] = {"state": state, "finished_at": now, "heartbeat_at": now}
    if error is not None:
        values["error"] = error[:2000]
    if result is not None:
        values["result"] = result
    if step is not None:
        values["step"] = step[:200]
    stmt = update(jobs).where(jobs.c.id == job_id, jobs.c.state == RUNNING).values(**values)
    return conn.execute(stmt).rowcount == 1


def requeue(conn: Connection, job_id: int) -> None:
    """Put a running job back in the queue (its worker is stopping before it finished)."""
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.state == RUNNING)
        .values(state=QUEUED, started_at=None, step="waiting to run again")
    )


def fail_stale(conn: Connection, project_id: int, before: datetime, now: datetime) -> int:
    """Mark the project's running jobs that reported nothing since ``before`` as failed."""
    stmt = (
        update(jobs)
        .where(
            jobs.c.project_id == project_id,
            jobs.c.state == RUNNING,
            jobs.c.heartbeat_at < before,
        )
        .values(
            state=FAILED,
            finished_at=now,
            error="the worker running this job stopped (no progress reported for a long time)",
        )
    )
    return conn.execute(stmt).rowcount
