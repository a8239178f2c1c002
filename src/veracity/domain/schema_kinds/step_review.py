"""``step_review``: rate each step of a given solution and note where it first goes wrong."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.errors import InvalidRecord, count_of
from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.item_texts import check_data_key, steps
from veracity.domain.schema_kinds.registry import register

RATINGS = ("correct", "incorrect", "neutral")


def first_incorrect(ratings: Sequence[str]) -> int | None:
    """The index of the first step rated incorrect, if any."""
    return next((i for i, r in enumerate(ratings) if r == "incorrect"), None)


@register
class StepReviewField(FieldKind):
    """``{"ratings": ["correct", "incorrect", ...], "first_error": 1 | null}``, one rating
    per step of the solution in the item's data."""

    kind_name: ClassVar[str] = "step_review"

    kind: Literal["step_review"] = "step_review"
    solution: str = Field(
        "steps",
        description="Data key of the solution's steps: a list of strings, or an object "
        'with a "steps" list (and optionally an "answer").',
    )
    prompt: str | None = Field(
        "problem",
        description="Data key of the problem: a string or a conversation "
        "(a list of {role, content}); null for none.",
    )

    @model_validator(mode="after")
    def _keys(self) -> Self:
        check_data_key(self.solution)
        if self.prompt is not None:
            check_data_key(self.prompt)
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """One rating per step; ``first_error``, when given, must be the first step rated
        incorrect (it is filled in from the ratings when left out)."""
        solution = steps(data, self.solution)
        if solution is None:
            raise InvalidRecord(
                f"the item has no readable steps under {self.solution!r}", field=self.name
            )
        if not isinstance(value, Mapping):
            raise self.invalid(f"must be an object with ratings, not {type(value).__name__}")
        extra = sorted(set(value) - {"ratings", "first_error"})
        if extra:
            raise self.invalid("is not part of a step review", f".{extra[0]}")
        ratings = value.get("ratings")
        if not isinstance(ratings, list):
            raise self.invalid(f"must be a list, not {type(ratings).__name__}", ".ratings")
        for i, rating in enumerate(ratings):
            if rating is None:
                raise self.invalid("step not rated", f".ratings[{i}]")
            if rating not in RATINGS:
                known = ", ".join(RATINGS)
                raise self.invalid(f"{rating!r} is not one of: {known}", f".ratings[{i}]")
        if len(ratings) != len(solution):
            raise self.invalid(
                f"needs one rating per step: the solution has {count_of(len(solution), 'step')}, "
                f"not {len(ratings)}",
                ".ratings",
            )
        derived = first_incorrect(ratings)
        first_error = value.get("first_error")
        if first_error is not None:
            if isinstance(first_error, bool) or not isinstance(first_error, int):
                kind = type(first_error).__name__
                raise self.invalid(f"must be a step index, not {kind}", ".first_error")
            if not 0 <= first_error < len(solution):
                raise self.invalid(
                    f"{first_error} is out of range: steps are 0..{len(solution) - 1}",
                    ".first_error",
                )
            if first_error != derived:
                raise self.invalid(
                    f"step {first_error} is not the first step rated incorrect", ".first_error"
                )
        return {"ratings": list(ratings), "first_error": derived}

    def vote_key(self, value: Any) -> Hashable:
        """Reviews agree when every step has the same rating."""
        return tuple(value["ratings"])

    def combine(self, values: Sequence[Any]) -> Consensus:
        """Majority per step (ties go to the rating submitted first); ``first_error`` follows
        from the combined ratings. Confidence is the mean, over steps, of the majority's share."""
        if not values:
            raise ValueError("combine needs at least one value")
        n_steps = len(values[0]["ratings"])
        combined: list[str] = []
        shares: list[float] = []
        for i in range(n_steps):
            column = [v["ratings"][i] for v in values if len(v["ratings"]) > i]
            counts = Counter(column)
            best = max(counts.values())
            combined.append(next(r for r in column if counts[r] == best))
            shares.append(best / len(column))
        return Consensus(
            value={"ratings": combined, "first_error": first_incorrect(combined)},
            confidence=sum(shares) / len(shares),
        )
