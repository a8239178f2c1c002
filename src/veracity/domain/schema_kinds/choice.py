"""``choice``: pick exactly one of a list of options (classification)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.schema_kinds.base import FieldKind
from veracity.domain.schema_kinds.registry import register


@register
class ChoiceField(FieldKind):
    """One option out of ``options``; the value is the option's text."""

    kind_name: ClassVar[str] = "choice"

    kind: Literal["choice"] = "choice"
    options: list[str] = Field(
        min_length=2, max_length=200, description="The options, in the order they are shown."
    )

    @model_validator(mode="after")
    def _options_unique(self) -> Self:
        check_options(self.options)
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """The value must be one of the options, exactly."""
        if not isinstance(value, str):
            raise self.invalid(f"must be one of the options, not {type(value).__name__}")
        if value not in self.options:
            raise self.invalid(f"{value!r} is not one of the options: {', '.join(self.options)}")
        return value


def check_options(options: list[str]) -> None:
    """Options must be non-empty, short and distinct."""
    for option in options:
        if not option.strip() or len(option) > 200:
            raise ValueError("every option must be 1 to 200 characters")
    if len(set(options)) != len(options):
        raise ValueError("options must be distinct")
