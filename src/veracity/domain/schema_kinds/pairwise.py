"""``pairwise``: compare two responses to a prompt: which is better, by how much, and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.errors import count_of
from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.item_texts import check_data_key
from veracity.domain.schema_kinds.registry import register

CHOICES = ("a", "b", "tie")


@register
class PairwiseField(FieldKind):
    """A preference between the item's two responses; the value is
    ``{"choice": "a" | "b" | "tie", "strength": 1.. | null, "rationale": text}``."""

    kind_name: ClassVar[str] = "pairwise"

    kind: Literal["pairwise"] = "pairwise"
    prompt: str | None = Field(
        "prompt",
        description="Data key of the prompt: a string or a conversation "
        "(a list of {role, content}); null for none.",
    )
    responses: list[str] = Field(
        ["response_a", "response_b"],
        min_length=2,
        max_length=2,
        description="Data keys of response A and response B.",
    )
    allow_tie: bool = Field(True, description="Whether 'tie' is an answer.")
    strengths: list[str] = Field(
        ["slightly better", "better", "much better"],
        max_length=6,
        description="How much better the chosen response may be, weakest first; the value's "
        "strength is a position in this list, from 1. Empty: no strength asked.",
    )
    rationale: Literal["off", "optional", "required"] = Field(
        "optional", description="Whether the annotator writes why."
    )
    rationale_max_length: int = Field(
        5000, ge=1, le=100_000, description="Most characters in a rationale."
    )

    @model_validator(mode="after")
    def _keys(self) -> Self:
        if self.prompt is not None:
            check_data_key(self.prompt)
        for key in self.responses:
            check_data_key(key)
        if self.responses[0] == self.responses[1]:
            raise ValueError("the two responses must be different data keys")
        if any(not s.strip() or len(s) > 100 for s in self.strengths):
            raise ValueError("every strength label must be 1 to 100 characters")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """``choice`` one of a, b (and tie if allowed); ``strength`` for a or b when asked;
        ``rationale`` as the settings say."""
        if not isinstance(value, Mapping):
            raise self.invalid(f"must be an object with a choice, not {type(value).__name__}")
        extra = sorted(set(value) - {"choice", "strength", "rationale"})
        if extra:
            raise self.invalid("is not part of a pairwise answer", f".{extra[0]}")
        choices = CHOICES if self.allow_tie else CHOICES[:2]
        choice = value.get("choice")
        if choice not in choices:
            raise self.invalid(f"{choice!r} is not one of: {', '.join(choices)}", ".choice")
        strength = self._strength(choice, value.get("strength"))
        rationale = self._rationale(value.get("rationale"))
        return {"choice": choice, "strength": strength, "rationale": rationale}

    def _strength(self, choice: Any, strength: Any) -> int | None:
        if choice == "tie" or not self.strengths:
            if strength is not None:
                why = "a tie" if choice == "tie" else "this field asks for none"
                raise self.invalid(f"takes no strength for {why}", ".strength")
            return None
        if strength is None:
            raise self.invalid("is required when one response is better", ".strength")
        if isinstance(strength, bool) or not isinstance(strength, int):
            kind = type(strength).__name__
            raise self.invalid(f"must be a whole number, not {kind}", ".strength")
        if not 1 <= strength <= len(self.strengths):
            raise self.invalid(f"{strength} is outside 1..{len(self.strengths)}", ".strength")
        return strength

    def _rationale(self, rationale: Any) -> str:
        if rationale is None:
            rationale = ""
        if not isinstance(rationale, str):
            raise self.invalid(f"must be text, not {type(rationale).__name__}", ".rationale")
        text = rationale.strip()
        if self.rationale == "off" and text:
            raise self.invalid("is not asked for in this field", ".rationale")
        if self.rationale == "required" and not text:
            raise self.invalid("is required", ".rationale")
        if len(text) > self.rationale_max_length:
            limit = count_of(self.rationale_max_length, "character")
            raise self.invalid(f"allows at most {limit}", ".rationale")
        return text

    def vote_key(self, value: Any) -> Hashable:
        """Two answers agree when they prefer the same response (or both call a tie)."""
        return str(value["choice"])

    def combine(self, values: Sequence[Any]) -> Consensus:
        """Majority vote on the choice (ties go to the choice submitted first); the strength
        is the mean of the winners' strengths and the rationale the first winner's."""
        if not values:
            raise ValueError("combine needs at least one value")
        counts = Counter(v["choice"] for v in values)
        best = max(counts.values())
        choice = next(v["choice"] for v in values if counts[v["choice"]] == best)
        winners = [v for v in values if v["choice"] == choice]
        strengths = [v["strength"] for v in winners if v.get("strength") is not None]
        strength = round(sum(strengths) / len(strengths), 3) if strengths else None
        rationale = next((v["rationale"] for v in winners if v.get("rationale")), "")
        return Consensus(
            value={"choice": choice, "strength": strength, "rationale": rationale},
            confidence=best / len(values),
        )
