"""An item's resolution, and the per-kind vote every field falls back to.

Categorical fields can instead be resolved by a fitted truth-inference model (see
:mod:`veracity.domain.truth.fields`); every other kind combines its answers its own way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from veracity.domain.label_schema import LabelSchema


class Method(StrEnum):
    """How a resolution was reached (the truth-inference method behind it)."""

    majority_vote = "majority_vote"
    weighted_vote = "weighted_vote"
    one_coin = "one_coin"
    dawid_skene = "dawid_skene"
    glad = "glad"
    mace = "mace"


class Source(StrEnum):
    """Who stands behind a resolution."""

    human = "human"
    consensus = "consensus"
    review = "review"
    model = "model"


@dataclass(frozen=True, slots=True)
class Resolved:
    """An item's final value with its confidence, method and source."""

    value: dict[str, Any]
    confidence: float
    method: Method
    source: Source


def majority_vote(schema: LabelSchema, values: Sequence[dict[str, Any]]) -> Resolved:
    """Combine each field by its kind's vote; the item's confidence is its weakest field's.

    An optional field left empty by some annotators is combined over those who filled it.
    """
    if not values:
        raise ValueError("majority_vote needs at least one annotation")
    final: dict[str, Any] = {}
    confidence = 1.0
    for field in schema.fields:
        answers = [v[field.name] for v in values if v.get(field.name) is not None]
        if not answers:
            continue
        consensus = field.combine(answers)
        final[field.name] = consensus.value
        confidence = min(confidence, consensus.confidence)
    source = Source.human if len(values) == 1 else Source.consensus
    return Resolved(final, round(confidence, 6), Method.majority_vote, source)
