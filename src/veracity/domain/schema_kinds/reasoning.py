"""``reasoning``: an expert solves a problem step by step: a list of steps and a final answer."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.errors import count_of
from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.item_texts import check_data_key
from veracity.domain.schema_kinds.registry import register


@register
class ReasoningField(FieldKind):
    """``{"steps": [text, ...], "answer": text}``."""

    kind_name: ClassVar[str] = "reasoning"

    kind: Literal["reasoning"] = "reasoning"
    prompt: str = Field(
        "problem",
        description="Data key of the problem: a string or a conversation "
        "(a list of {role, content}).",
    )
    min_steps: int = Field(1, ge=1, le=200, description="Fewest steps.")
    max_steps: int = Field(50, ge=1, le=200, description="Most steps.")
    max_step_length: int = Field(5000, ge=1, le=100_000, description="Most characters in one step.")
    answer: Literal["required", "optional"] = Field(
        "required", description="Whether a final answer must be given."
    )
    max_answer_length: int = Field(
        1000, ge=1, le=100_000, description="Most characters in the final answer."
    )

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        check_data_key(self.prompt)
        if self.min_steps > self.max_steps:
            raise ValueError("min_steps must not exceed max_steps")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """Non-empty steps within the bounds and a final answer; texts are trimmed."""
        if not isinstance(value, Mapping):
            raise self.invalid(f"must be an object with steps, not {type(value).__name__}")
        extra = sorted(set(value) - {"steps", "answer"})
        if extra:
            raise self.invalid("is not part of a reasoning answer", f".{extra[0]}")
        steps = self._steps(value.get("steps"))
        answer = self._answer(value.get("answer"))
        return {"steps": steps, "answer": answer}

    def _steps(self, raw_steps: Any) -> list[str]:
        if not isinstance(raw_steps, list):
            raise self.invalid(f"must be a list of texts, not {type(raw_steps).__name__}", ".steps")
        steps: list[str] = []
        for i, step in enumerate(raw_steps):
            if not isinstance(step, str):
                raise self.invalid(f"must be text, not {type(step).__name__}", f".steps[{i}]")
            if not step.strip():
                raise self.invalid("empty step", f".steps[{i}]")
            if len(step.strip()) > self.max_step_length:
                limit = count_of(self.max_step_length, "character")
                raise self.invalid(f"allows at most {limit}", f".steps[{i}]")
            steps.append(step.strip())
        if len(steps) < self.min_steps:
            raise self.invalid(f"needs at least {count_of(self.min_steps, 'step')}", ".steps")
        if len(steps) > self.max_steps:
            raise self.invalid(f"allows at most {count_of(self.max_steps, 'step')}", ".steps")
        return steps

    def _answer(self, answer: Any) -> str:
        if answer is None:
            answer = ""
        if not isinstance(answer, str):
            raise self.invalid(f"must be text, not {type(answer).__name__}", ".answer")
        text = answer.strip()
        if not text and self.answer == "required":
            raise self.invalid("is required", ".answer")
        if len(text) > self.max_answer_length:
            limit = count_of(self.max_answer_length, "character")
            raise self.invalid(f"allows at most {limit}", ".answer")
        return text

    def vote_key(self, value: Any) -> Hashable:
        """Solutions agree when they reach the same final answer (ignoring case and runs of
        whitespace): the steps may differ and both be right."""
        return " ".join(str(value.get("answer", "")).split()).casefold()

    def combine(self, values: Sequence[Any]) -> Consensus:
        """No vote on the steps. The kept solution is the first submitted among those whose
        final answer most people reached; confidence is the share that reached it."""
        return super().combine(values)
