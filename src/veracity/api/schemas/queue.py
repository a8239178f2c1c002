"""Leases, submissions and resolutions on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LeasedItem(BaseModel):
    """The item of a lease: what the annotator sees."""

    id: int
    external_id: str | None
    data: dict[str, Any]


class LeaseOut(BaseModel):
    """An item leased to the caller until ``lease_expires_at``."""

    assignment_id: int
    stage: str
    lease_expires_at: datetime
    item: LeasedItem
    prediction: dict[str, Any] | None = None


class LeaseList(BaseModel):
    """The caller's open leases."""

    leases: list[LeaseOut]


class SubmitIn(BaseModel):
    """An answer: a value keyed by field name, and the seconds spent on it."""

    model_config = ConfigDict(extra="forbid")

    value: dict[str, Any]
    seconds: float | None = Field(None, ge=0, le=86_400)


class SubmitOut(BaseModel):
    """The stored annotation."""

    annotation_id: int
    assignment_id: int
    item_id: int


class SkipOut(BaseModel):
    """A skipped assignment."""

    assignment_id: int
    status: str


class ResolutionOut(BaseModel):
    """The final value of one item."""

    item_id: int
    external_id: str | None
    value: dict[str, Any]
    confidence: float
    method: str
    source: str
    n_annotations: int
    updated_at: datetime


class ResolutionPageOut(BaseModel):
    """A page of resolutions; pass ``next_cursor`` as ``cursor`` for the next page."""

    resolutions: list[ResolutionOut]
    next_cursor: int | None
