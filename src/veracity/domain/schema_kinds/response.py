"""``response``: write the ideal response to a prompt or a conversation (SFT data)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.item_texts import check_data_key
from veracity.domain.schema_kinds.registry import register
from veracity.domain.schema_kinds.text import bounded_text


@register
class ResponseField(FieldKind):
    """The assistant's reply, written by a person: a string."""

    kind_name: ClassVar[str] = "response"

    kind: Literal["response"] = "response"
    prompt: str = Field(
        "prompt",
        description="Data key of what is answered: a string, or a conversation (a list of "
        "{role, content}); when the conversation ends with an assistant turn, the response "
        "rewrites that turn.",
    )
    draft: str | None = Field(
        None,
        description="Data key of a draft (e.g. a model's answer) the editor starts from; "
        "null starts from the conversation's last assistant turn, if any, or empty.",
    )
    min_length: int = Field(1, ge=1, description="Fewest characters, after trimming.")
    max_length: int = Field(
        20_000, ge=1, le=1_000_000, description="Most characters, after trimming."
    )

    @model_validator(mode="after")
    def _settings(self) -> Self:
        check_data_key(self.prompt)
        if self.draft is not None:
            check_data_key(self.draft)
        if self.min_length > self.max_length:
            raise ValueError("min_length must not exceed max_length")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """Text within the length bounds; surrounding whitespace is removed."""
        return bounded_text(self, value, self.min_length, self.max_length)

    def vote_key(self, value: Any) -> Hashable:
        """Texts agree when they match ignoring case and runs of whitespace."""
        return " ".join(str(value).split()).casefold()

    def combine(self, values: Sequence[Any]) -> Consensus:
        """No vote: written answers are not counted. The first submitted response is kept;
        its confidence is 1 when it is the only one, else 1/n, so that items written by
        several people show up as unsure and go to review, where a person picks."""
        if not values:
            raise ValueError("combine needs at least one value")
        return Consensus(value=values[0], confidence=1 / len(values))
