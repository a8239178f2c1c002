"""``text``: free text written by the annotator (a transcription, a correction, a note)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.errors import count_of
from veracity.domain.schema_kinds.base import FieldKind
from veracity.domain.schema_kinds.registry import register


@register
class TextField(FieldKind):
    """A string of ``min_length`` to ``max_length`` characters."""

    kind_name: ClassVar[str] = "text"

    kind: Literal["text"] = "text"
    min_length: int = Field(
        1, ge=0, description="Fewest characters, after surrounding whitespace is removed."
    )
    max_length: int = Field(
        10_000,
        ge=1,
        le=1_000_000,
        description="Most characters, after surrounding whitespace is removed.",
    )
    multiline: bool = Field(True, description="Whether the answer box allows line breaks.")

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.min_length > self.max_length:
            raise ValueError("min_length must not exceed max_length")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """A string within the length bounds; surrounding whitespace is removed."""
        value = bounded_text(self, value, self.min_length, self.max_length)
        if not self.multiline and "\n" in value:
            raise self.invalid("must be a single line")
        return value

    def vote_key(self, value: Any) -> Hashable:
        """Texts agree when they match ignoring case and runs of whitespace."""
        return " ".join(str(value).split()).casefold()


def bounded_text(field: FieldKind, value: Any, min_length: int, max_length: int) -> str:
    """``value`` as a string of ``min_length`` to ``max_length`` characters once surrounding
    whitespace is removed, or ``field``'s validation error saying what is wrong."""
    if not isinstance(value, str):
        raise field.invalid(f"must be text, not {type(value).__name__}")
    text = value.strip()
    if len(text) < min_length:
        raise field.invalid(f"needs at least {count_of(min_length, 'character')}")
    if len(text) > max_length:
        raise field.invalid(f"allows at most {count_of(max_length, 'character')}")
    return text
