"""Workers' standing in a project, on the wire."""

from __future__ import annotations

from pydantic import BaseModel


class WorkerOut(BaseModel):
    """One worker's counts in a project; accuracy always comes with its count."""

    user_id: int
    email: str
    annotations: int
    gold_seen: int
    gold_correct: int
    gold_accuracy: float | None
    review_accepted: int
    review_rejected: int
    review_acceptance: float | None
    blocked: bool
    blocked_reason: str | None


class WorkerList(BaseModel):
    """The project's workers."""

    workers: list[WorkerOut]


class UnblockOut(BaseModel):
    """A lifted block."""

    user_id: int
    blocked: bool
