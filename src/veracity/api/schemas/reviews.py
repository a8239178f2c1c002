"""The review stage on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from veracity.api.schemas.queue import LeasedItem


class ReviewResolution(BaseModel):
    """An item's current resolution, as the reviewer sees it."""

    value: dict[str, Any]
    confidence: float
    method: str
    source: str
    n_annotations: int


class ReviewLeaseOut(BaseModel):
    """A review leased to the caller until ``lease_expires_at``.

    ``kind`` is ``answer`` (one person's answer, in ``value``) or ``item`` (the item's final
    value, in ``value``, with every current answer in ``answers``).
    """

    review_id: int
    kind: Literal["answer", "item"]
    reason: str
    lease_expires_at: datetime
    item: LeasedItem
    value: dict[str, Any] | None
    answers: list[dict[str, Any]]
    resolution: ReviewResolution | None


class DecisionIn(BaseModel):
    """A reviewer's decision: ``comment`` is required to reject, ``value`` to fix."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal["accept", "reject", "fix"]
    comment: str | None = Field(None, max_length=2000)
    value: dict[str, Any] | None = None


class DecisionOut(BaseModel):
    """The recorded decision; ``annotation_id`` is the fix's new annotation, if any."""

    review_id: int
    state: str
    annotation_id: int | None


class ReviewOut(BaseModel):
    """One review: what was judged, why, the decision, who and when."""

    review_id: int
    item_id: int
    external_id: str | None
    kind: Literal["answer", "item"]
    annotation_id: int | None
    reason: str
    state: str
    worker: str | None
    reviewer: str | None
    value: dict[str, Any] | None
    fixed_value: dict[str, Any] | None
    comment: str | None
    created_at: datetime
    decided_at: datetime | None


class ReviewPageOut(BaseModel):
    """A page of reviews; pass ``next_cursor`` as ``cursor`` for the next page."""

    reviews: list[ReviewOut]
    next_cursor: int | None


class FeedbackOut(BaseModel):
    """A reviewer's decision on one of the caller's answers, with the item they labeled."""

    review_id: int
    item_id: int
    external_id: str | None
    item_data: dict[str, Any]
    kind: Literal["answer", "item"]
    annotation_id: int | None
    reason: str
    state: str
    worker: str | None
    value: dict[str, Any] | None
    fixed_value: dict[str, Any] | None
    comment: str | None
    created_at: datetime
    decided_at: datetime | None


class FeedbackList(BaseModel):
    """Reviewers' decisions on the caller's answers, newest first."""

    feedback: list[FeedbackOut]


class ReviewRequestIn(BaseModel):
    """Items whose final value a reviewer should check, and why."""

    model_config = ConfigDict(extra="forbid")

    item_ids: list[int] = Field(min_length=1, max_length=10_000)
    reason: str = Field(min_length=1, max_length=200)


class ReviewRequestOut(BaseModel):
    """How many reviews were queued (items already waiting for one are not queued twice)."""

    created: int
