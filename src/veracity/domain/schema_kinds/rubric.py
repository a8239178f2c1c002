"""``rubric``: score a response on named criteria, each on its own scale."""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from veracity.domain.errors import InvalidRecord, count_of
from veracity.domain.schema_kinds.base import FIELD_NAME_PATTERN, Consensus, FieldKind
from veracity.domain.schema_kinds.item_texts import check_data_key, conversation
from veracity.domain.schema_kinds.registry import register


class Criterion(BaseModel):
    """One criterion of a rubric: a name and a whole-number scale."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=FIELD_NAME_PATTERN, description="Key of the criterion's score.")
    min: int = Field(1, ge=-1000, le=1000, description="Lowest score.")
    max: int = Field(5, ge=-1000, le=1000, description="Highest score.")
    description: str = Field("", max_length=1000, description="What the criterion asks.")
    required: bool = Field(True, description="Whether every answer must score it.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.max <= self.min:
            raise ValueError(f"criterion {self.name!r}: max must be greater than min")
        if self.max - self.min > 100:
            raise ValueError(f"criterion {self.name!r}: a scale may have at most 101 steps")
        return self


@register
class RubricField(FieldKind):
    """Scores keyed by criterion name: ``{"helpfulness": 6, "correctness": 7}``."""

    kind_name: ClassVar[str] = "rubric"

    kind: Literal["rubric"] = "rubric"
    criteria: list[Criterion] = Field(
        min_length=1,
        max_length=30,
        description="The criteria in the order shown, each {name, min, max, description?, "
        "required?}.",
    )
    prompt: str | None = Field(
        "prompt",
        description="Data key of the prompt: a string or a conversation "
        "(a list of {role, content}); null for none.",
    )
    response: str | None = Field(
        "response",
        description="Data key of the response being scored; null when the item itself "
        "(or a conversation's last assistant turn) is what is scored.",
    )
    per_turn: bool = Field(
        False,
        description="Score every assistant turn of the conversation under prompt: the value "
        "is then a list with one object of scores per assistant turn (response must be null).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        for key in (self.prompt, self.response):
            if key is not None:
                check_data_key(key)
        names = [c.name for c in self.criteria]
        if len(set(names)) != len(names):
            raise ValueError("criterion names must be distinct")
        if self.per_turn and (self.prompt is None or self.response is not None):
            raise ValueError("per_turn scores the turns of the prompt: set response to null")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """An object of criterion name to a whole number inside that criterion's scale; with
        ``per_turn``, a list of such objects, one per assistant turn of the conversation."""
        if not self.per_turn:
            return self._scores(value, "")
        messages = conversation(data, self.prompt) or []
        turns = sum(m["role"] == "assistant" for m in messages)
        if not turns:
            raise InvalidRecord(
                f"the item has no assistant turns under {self.prompt!r}", field=self.name
            )
        if not isinstance(value, list):
            raise self.invalid(f"must be a list of scores per turn, not {type(value).__name__}")
        if len(value) != turns:
            raise self.invalid(
                f"needs one object of scores per assistant turn: the conversation has "
                f"{count_of(turns, 'assistant turn')}, not {len(value)}"
            )
        return [self._scores(v, f"[{i}]") for i, v in enumerate(value)]

    def _scores(self, value: Any, where: str) -> dict[str, int]:
        if not isinstance(value, Mapping):
            raise self.invalid(f"must be an object of scores, not {type(value).__name__}", where)
        known = [c.name for c in self.criteria]
        for key in value:
            if key not in known:
                raise self.invalid(f"is not a criterion: {', '.join(known)}", f"{where}.{key}")
        clean: dict[str, int] = {}
        for c in self.criteria:
            at = f"{where}.{c.name}"
            score = value.get(c.name)
            if score is None:
                if c.required:
                    raise self.invalid("is required", at)
                continue
            if isinstance(score, bool) or not isinstance(score, int | float):
                raise self.invalid(f"must be a whole number, not {type(score).__name__}", at)
            if score != int(score):
                raise self.invalid(f"must be a whole number, not {score}", at)
            if not c.min <= score <= c.max:
                raise self.invalid(f"{score} is outside the scale {c.min}..{c.max}", at)
            clean[c.name] = int(score)
        return clean

    def vote_key(self, value: Any) -> Hashable:
        """Answers agree when every criterion (of every turn) has the same score."""
        if isinstance(value, list):
            return tuple(tuple(sorted(v.items())) for v in value)
        return tuple(sorted(value.items()))

    def combine(self, values: Sequence[Any]) -> Consensus:
        """The median score per criterion (the lower middle score when the count is even, so
        it stays a score on the scale). Confidence is the mean, over criteria, of the share
        of people within one point of that median. Per turn: the same for each turn, and the
        mean confidence over turns."""
        if not values:
            raise ValueError("combine needs at least one value")
        if not isinstance(values[0], list):
            return self._combine(values)
        turns = [self._combine([v[i] for v in values]) for i in range(len(values[0]))]
        return Consensus(
            value=[t.value for t in turns],
            confidence=sum(t.confidence for t in turns) / len(turns),
        )

    def _combine(self, values: Sequence[Any]) -> Consensus:
        result: dict[str, int] = {}
        shares: list[float] = []
        for c in self.criteria:
            scores = [v[c.name] for v in values if v.get(c.name) is not None]
            if not scores:
                continue
            median = statistics.median_low(scores)
            result[c.name] = median
            shares.append(sum(abs(s - median) <= 1 for s in scores) / len(scores))
        confidence = sum(shares) / len(shares) if shares else 1.0
        return Consensus(value=result, confidence=confidence)
