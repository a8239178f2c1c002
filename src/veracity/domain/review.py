"""The review stage's rules: which work goes to review, and what a reviewer's decision means.

Pure functions of counts, draws and values; the services apply them at submit time and when a
reviewer decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from veracity.domain.errors import InvalidRecord
from veracity.domain.label_schema import LabelSchema

MAX_COMMENT = 2000
MAX_REASON = 200


class Reason(StrEnum):
    """Why work was sent to review (code that asks for a review may give its own words)."""

    sampled = "sampled"
    new_worker = "new_worker"
    low_confidence = "low_confidence"
    disagreement = "disagreement"


class Decision(StrEnum):
    """What a reviewer decides about the work in front of them."""

    accept = "accept"
    reject = "reject"
    fix = "fix"


class State(StrEnum):
    """Where a review stands."""

    pending = "pending"
    leased = "leased"
    accepted = "accepted"
    rejected = "rejected"
    fixed = "fixed"


DECIDED = (State.accepted, State.rejected, State.fixed)

_STATE_OF = {Decision.accept: State.accepted, Decision.reject: State.rejected}


def disagreed(schema: LabelSchema, values: Sequence[Mapping[str, Any]]) -> bool:
    """Whether the answers differ on any field, compared the way votes are (texts ignore case
    and spacing, selections compare as sets). Empty optional answers are left out."""
    for field in schema.fields:
        keys = {field.vote_key(v[field.name]) for v in values if v.get(field.name) is not None}
        if len(keys) > 1:
            return True
    return False


def check_comment(decision: Decision, comment: str | None) -> str | None:
    """The reviewer's comment, stripped; a rejection must say why (the worker reads it)."""
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidRecord(f"allows at most {MAX_COMMENT} characters", field="comment")
    if decision is Decision.reject and not text:
        raise InvalidRecord(
            "is required to reject: tell the worker what was wrong", field="comment"
        )
    return text or None


def check_reason(reason: str) -> str:
    """A reason given by code that sends items to review."""
    text = reason.strip()
    if not text or len(text) > MAX_REASON:
        raise InvalidRecord(f"must be 1 to {MAX_REASON} characters", field="reason")
    return text


def state_after(decision: Decision, changed: bool) -> State:
    """The review's state after ``decision``; ``changed``: whether a fix changed the value
    (a fix to the same value is an acceptance)."""
    if decision is Decision.fix:
        return State.fixed if changed else State.accepted
    return _STATE_OF[decision]


def same_value(schema: LabelSchema, a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two values say the same thing on every field (compared like votes)."""
    for field in schema.fields:
        x, y = a.get(field.name), b.get(field.name)
        if (x is None) != (y is None):
            return False
        if x is not None and field.vote_key(x) != field.vote_key(y):
            return False
    return True
