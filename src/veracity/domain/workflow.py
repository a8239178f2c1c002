"""A project's workflow: how many people label each item and how long a lease lasts."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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

    @classmethod
    def parse(cls, raw: Any) -> Workflow:
        """Validate a workflow document, naming the offending field on error."""
        if raw is None:
            return cls()
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise first_error(exc).under("workflow") from None
