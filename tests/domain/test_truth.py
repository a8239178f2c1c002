"""Majority vote over annotations, per kind."""

from __future__ import annotations

import pytest

from veracity.domain.label_schema import LabelSchema
from veracity.domain.truth import Method, Source, majority_vote

SCHEMA = LabelSchema.parse(
    {
        "fields": [
            {"name": "c", "kind": "choice", "options": ["x", "y"]},
            {"name": "m", "kind": "multi_choice", "options": ["a", "b"], "required": False},
            {"name": "t", "kind": "text", "required": False},
        ]
    }
)


def test_single_annotation_is_the_human_answer() -> None:
    resolved = majority_vote(SCHEMA, [{"c": "x"}])
    assert resolved.value == {"c": "x"}
    assert resolved.confidence == 1.0
    assert resolved.source is Source.human
    assert resolved.method is Method.majority_vote


def test_majority_wins_with_its_share_as_confidence() -> None:
    resolved = majority_vote(SCHEMA, [{"c": "y"}, {"c": "x"}, {"c": "y"}])
    assert resolved.value["c"] == "y"
    assert resolved.confidence == pytest.approx(2 / 3, abs=1e-6)
    assert resolved.source is Source.consensus


def test_tie_goes_to_the_first_answer() -> None:
    assert majority_vote(SCHEMA, [{"c": "y"}, {"c": "x"}]).value["c"] == "y"
    assert majority_vote(SCHEMA, [{"c": "x"}, {"c": "y"}]).value["c"] == "x"


def test_multi_choice_votes_per_option() -> None:
    values = [{"c": "x", "m": ["a", "b"]}, {"c": "x", "m": ["a"]}, {"c": "x", "m": ["a"]}]
    resolved = majority_vote(SCHEMA, values)
    assert resolved.value["m"] == ["a"]
    # a: 3/3 agree, b: 2/3 agree that it is absent.
    assert resolved.confidence == pytest.approx((1 + 2 / 3) / 2, abs=1e-6)


def test_text_agrees_ignoring_case_and_spacing() -> None:
    values = [
        {"c": "x", "t": "Hello  world"},
        {"c": "x", "t": "hello world"},
        {"c": "x", "t": "bye"},
    ]
    resolved = majority_vote(SCHEMA, values)
    assert resolved.value["t"] == "Hello  world"
    assert resolved.confidence == pytest.approx(2 / 3, abs=1e-6)


def test_item_confidence_is_its_weakest_field() -> None:
    values = [{"c": "x", "t": "a"}, {"c": "x", "t": "b"}]
    assert majority_vote(SCHEMA, values).confidence == pytest.approx(0.5)
