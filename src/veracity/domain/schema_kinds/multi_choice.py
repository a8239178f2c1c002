"""``multi_choice``: pick any number of options (multi-label classification)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.errors import count_of
from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.choice import check_options
from veracity.domain.schema_kinds.registry import register


@register
class MultiChoiceField(FieldKind):
    """A set of options; the value is a list of distinct options in schema order."""

    kind_name: ClassVar[str] = "multi_choice"

    kind: Literal["multi_choice"] = "multi_choice"
    options: list[str] = Field(
        min_length=1, max_length=200, description="The options, in the order they are shown."
    )
    min_selected: int = Field(0, ge=0, description="Fewest options an answer may pick.")
    max_selected: int | None = Field(
        None, ge=1, description="Most options an answer may pick; null means no limit."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_options(self.options)
        upper = self.max_selected if self.max_selected is not None else len(self.options)
        if self.min_selected > upper:
            raise ValueError("min_selected must not exceed max_selected")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """A list of distinct options, within the selection bounds; returned in schema order."""
        if not isinstance(value, list):
            raise self.invalid(f"must be a list of options, not {type(value).__name__}")
        for i, option in enumerate(value):
            if not isinstance(option, str) or option not in self.options:
                raise self.invalid(f"{option!r} is not one of the options", f"[{i}]")
        if len(set(value)) != len(value):
            raise self.invalid("lists an option twice")
        if len(value) < self.min_selected:
            raise self.invalid(f"needs at least {count_of(self.min_selected, 'option')}")
        if self.max_selected is not None and len(value) > self.max_selected:
            raise self.invalid(f"allows at most {count_of(self.max_selected, 'option')}")
        chosen = set(value)
        return [o for o in self.options if o in chosen]

    def vote_key(self, value: Any) -> Hashable:
        """Selections compare as sets."""
        return frozenset(value)

    def combine(self, values: Sequence[Any]) -> Consensus:
        """Each option is in the result when more than half of the people chose it.

        Confidence is the mean, over options, of the share that agrees with the result.
        """
        n = len(values)
        chosen = [set(v) for v in values]
        result: list[str] = []
        agreement = 0.0
        for option in self.options:
            share = sum(option in c for c in chosen) / n
            if share > 0.5:
                result.append(option)
            agreement += max(share, 1 - share)
        return Consensus(value=result, confidence=agreement / len(self.options))
