"""A project's workflow: how many people label each item and how long a lease lasts."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from veracity.domain.validation import first_error


class Workflow(BaseModel):
    """Rules for handing out one project's items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    overlap: int = Field(1, ge=1, le=50, description="Annotations wanted per item.")
    lease_seconds: int = Field(
        600, ge=10, le=7 * 24 * 3600, description="How long a leased item is held for one person."
    )
    max_open_leases: int = Field(
        4,
        ge=1,
        le=100,
        description="Items one person may hold leased at once in this project.",
    )
    gold_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Share of leases that are gold items (while the person has gold items "
        "left to see); gold items look like any other item to the annotator.",
    )
    min_gold_accuracy: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Accuracy on gold below which a person is stopped from taking more of "
        "this project's work (None: never).",
    )
    min_gold_items: int = Field(
        10,
        ge=1,
        le=10_000,
        description="Gold items a person must have answered before min_gold_accuracy applies.",
    )

    target_confidence: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Dynamic overlap: an item whose resolution is less sure than this after "
        "`overlap` annotations goes back to the queue for one more person, up to "
        "`max_overlap` (None: a fixed overlap).",
    )
    max_overlap: int | None = Field(
        None,
        ge=1,
        le=50,
        description="The most annotations dynamic overlap asks for (default: overlap + 2).",
    )

    @model_validator(mode="after")
    def _overlaps_ordered(self) -> Self:
        if self.max_overlap is not None and self.max_overlap < self.overlap:
            raise ValueError("max_overlap must be at least overlap")
        return self

    def wants_another(self, confidence: float, annotations: int) -> bool:
        """Whether an item resolved at ``confidence`` from ``annotations`` answers should go
        to one more person."""
        if self.target_confidence is None or confidence >= self.target_confidence:
            return False
        ceiling = self.max_overlap if self.max_overlap is not None else self.overlap + 2
        return annotations < ceiling

    def below_bar(self, seen: int, correct: int) -> bool:
        """Whether a record of ``correct`` right answers out of ``seen`` gold items is
        enough evidence that the person falls short of the project's bar."""
        if self.min_gold_accuracy is None or seen < self.min_gold_items:
            return False
        return correct / seen < self.min_gold_accuracy

    @classmethod
    def parse(cls, raw: Any) -> Workflow:
        """Validate a workflow document, naming the offending field on error."""
        if raw is None:
            return cls()
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise first_error(exc).under("workflow") from None
