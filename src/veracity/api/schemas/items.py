"""Items, gold and import results on the wire."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ItemIn(BaseModel):
    """One record to import."""

    model_config = ConfigDict(extra="forbid")

    data: dict[str, Any]
    external_id: str | None = Field(None, max_length=255)
    meta: dict[str, Any] | None = None


class ImportOut(BaseModel):
    """What an import did: new items, items already there as they were, items changed."""

    created: int
    unchanged: int
    updated: int
    total: int


class GoldIn(BaseModel):
    """The expected value of one item."""

    model_config = ConfigDict(extra="forbid")

    external_id: str
    value: dict[str, Any]


class GoldOut(BaseModel):
    """How many gold values were stored."""

    saved: int


class AnnotationIn(BaseModel):
    """An annotation made elsewhere: the item, the outside worker's id, the value."""

    model_config = ConfigDict(extra="forbid")

    external_id: str = Field(max_length=255)
    worker: str = Field(max_length=255)
    value: dict[str, Any]
    seconds: float | None = Field(None, ge=0)


class AnnotationImportOut(BaseModel):
    """What an annotation import did."""

    created: int
    unchanged: int
    items_resolved: int
