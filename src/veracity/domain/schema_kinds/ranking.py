"""``ranking``: order an item's N responses from best to worst."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from itertools import combinations
from typing import Any, ClassVar, Literal, Self

from pydantic import Field, model_validator

from veracity.domain.schema_kinds.base import Consensus, FieldKind
from veracity.domain.schema_kinds.item_texts import check_data_key, require_responses
from veracity.domain.schema_kinds.registry import register


@register
class RankingField(FieldKind):
    """A permutation of the item's response keys, best first."""

    kind_name: ClassVar[str] = "ranking"

    kind: Literal["ranking"] = "ranking"
    prompt: str | None = Field(
        "prompt",
        description="Data key of the prompt: a string or a conversation "
        "(a list of {role, content}); null for none.",
    )
    responses: str | list[str] = Field(
        "responses",
        description="Where the responses are: one data key holding a list of strings (keyed "
        "a, b, c… in order) or an object of key to string; or a list of data keys, "
        "each holding one response.",
    )

    @model_validator(mode="after")
    def _keys(self) -> Self:
        if self.prompt is not None:
            check_data_key(self.prompt)
        keys = self.responses if isinstance(self.responses, list) else [self.responses]
        for key in keys:
            check_data_key(key)
        if isinstance(self.responses, list):
            if len(self.responses) < 2:
                raise ValueError("a ranking needs at least 2 response keys")
            if len(set(self.responses)) != len(self.responses):
                raise ValueError("response keys must be distinct")
        return self

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """Every response key of the item exactly once."""
        offered = require_responses(self.name, data, self.responses)
        if not isinstance(value, list):
            raise self.invalid(f"must be a list of response keys, not {type(value).__name__}")
        seen: set[str] = set()
        for i, key in enumerate(value):
            if not isinstance(key, str) or key not in offered:
                known = ", ".join(offered)
                raise self.invalid(f"{key!r} is not a response of this item ({known})", f"[{i}]")
            if key in seen:
                raise self.invalid(f"{key!r} appears twice", f"[{i}]")
            seen.add(key)
        missing = [k for k in offered if k not in seen]
        if missing:
            raise self.invalid(f"misses {', '.join(repr(k) for k in missing)}")
        return list(value)

    def vote_key(self, value: Any) -> Hashable:
        """Rankings agree when they are the same order."""
        return tuple(value)

    def combine(self, values: Sequence[Any]) -> Consensus:
        """Borda count: in a ranking of n, the first gets n-1 points and the last 0; the
        result orders by total points, ties in the order of the first ranking submitted.

        Confidence is the mean, over every pair of responses, of the share of people who
        ordered the pair as the result does.
        """
        if not values:
            raise ValueError("combine needs at least one value")
        first = list(values[0])
        points = dict.fromkeys(first, 0)
        for ranking in values:
            n = len(ranking)
            for position, key in enumerate(ranking):
                points[key] = points.get(key, 0) + n - 1 - position
        order = sorted(points, key=lambda k: (-points[k], first.index(k) if k in first else 0))
        positions = [{k: i for i, k in enumerate(r)} for r in values]
        pairs = list(combinations(order, 2))
        if not pairs:
            return Consensus(value=order, confidence=1.0)
        agree = sum(
            sum(p.get(better, 0) < p.get(worse, 0) for p in positions) / len(values)
            for better, worse in pairs
        )
        return Consensus(value=order, confidence=agree / len(pairs))
