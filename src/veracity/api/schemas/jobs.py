"""Background jobs and truth models, on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class JobIn(BaseModel):
    """What to run: ``resolve`` refits the project's truth model and re-resolves its items;
    ``label_errors`` flags resolved items whose label is probably wrong and sends them to
    review."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["resolve", "label_errors"] = Field(description="The kind of job.")


class ProgressOut(BaseModel):
    """How far a job has come (``fraction`` None until the total is known)."""

    done: int
    total: int | None
    fraction: float | None


class JobOut(BaseModel):
    """A job: queued -> running -> done | failed."""

    id: int
    project_id: int | None
    kind: str
    state: Literal["queued", "running", "done", "failed"]
    progress: ProgressOut
    step: str | None
    error: str | None
    result: dict[str, Any] | None
    created_by: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobList(BaseModel):
    """A project's most recent jobs, newest first."""

    jobs: list[JobOut]


class TruthModelOut(BaseModel):
    """A project's current truth model: per categorical field, the method fitted (and what
    ``auto`` compared), with when it was fitted and how many annotations it saw."""

    id: int
    truth_method: str
    fields: dict[str, Any]
    annotations_seen: int
    items_resolved: int
    fitted_at: datetime
    job_id: int | None


class TruthOut(BaseModel):
    """The project's truth-inference setting and its current model (None before a fit)."""

    truth_method: str
    model: TruthModelOut | None
