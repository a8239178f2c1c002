"""Scoring an answer against a gold value."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from veracity.domain.label_schema import LabelSchema


def matches_gold(schema: LabelSchema, answer: Mapping[str, Any], gold: Mapping[str, Any]) -> bool:
    """Whether ``answer`` agrees with ``gold`` on every field the gold value sets.

    Fields are compared the way votes are (each kind's ``vote_key``): texts ignore case and
    spacing, multi-choice selections compare as sets.
    """
    for field in schema.fields:
        expected = gold.get(field.name)
        if expected is None:
            continue
        given = answer.get(field.name)
        if given is None or field.vote_key(given) != field.vote_key(expected):
            return False
    return True
