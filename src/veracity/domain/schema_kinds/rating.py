"""``rating``: a whole number on a scale (e.g. 1 to 5 stars)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.schema_kinds.base import FieldKind
from veracity.domain.schema_kinds.registry import register


@register
class RatingField(FieldKind):
    """An integer between ``min`` and ``max`` inclusive."""

    kind_name: ClassVar[str] = "rating"

    kind: Literal["rating"] = "rating"
    min: int = Field(1, ge=-1000, le=1000, description="Lowest score on the scale.")
    max: int = Field(5, ge=-1000, le=1000, description="Highest score on the scale.")
    min_label: str = Field("", max_length=100, description="What the lowest score means.")
    max_label: str = Field("", max_length=100, description="What the highest score means.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        if self.max - self.min > 100:
            raise ValueError("a scale may have at most 101 steps")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """A whole number inside the scale."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.invalid(f"must be a whole number, not {type(value).__name__}")
        if value != int(value):
            raise self.invalid(f"must be a whole number, not {value}")
        if not self.min <= value <= self.max:
            raise self.invalid(f"{value} is outside the scale {self.min}..{self.max}")
        return int(value)
