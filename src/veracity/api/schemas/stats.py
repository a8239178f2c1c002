"""Project figures on the wire."""

from __future__ import annotations

from pydantic import BaseModel


class ItemCounts(BaseModel):
    """Items by state."""

    total: int
    open: int
    in_progress: int
    done: int
    gold: int


class Quality(BaseModel):
    """How sure the resolutions are."""

    resolved: int
    mean_confidence: float | None
    low_confidence: int
    low_confidence_below: float


class StatsOut(BaseModel):
    """Progress and quality of one project."""

    project_id: int
    items: ItemCounts
    progress: float
    annotations: int
    annotators: int
    hours_worked: float
    leased: int
    quality: Quality
