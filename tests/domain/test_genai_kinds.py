"""The generative-AI label kinds: values, errors naming the field and the element, combining."""

from __future__ import annotations

from typing import Any

import pytest

from veracity.domain.errors import InvalidRecord
from veracity.domain.label_schema import LabelSchema
from veracity.domain.schema_kinds import names

SCHEMA = LabelSchema.parse(
    {
        "fields": [
            {"name": "preference", "kind": "pairwise", "rationale": "optional"},
            {"name": "order", "kind": "ranking"},
            {
                "name": "scores",
                "kind": "rubric",
                "criteria": [
                    {"name": "helpfulness", "min": 1, "max": 7},
                    {"name": "harmless", "min": 0, "max": 1, "required": False},
                ],
            },
            {"name": "ideal", "kind": "response", "max_length": 40},
            {"name": "solution", "kind": "reasoning", "max_steps": 3},
            {"name": "review", "kind": "step_review"},
        ]
    }
)
DATA: dict[str, Any] = {
    "prompt": "Name a prime.",
    "response_a": "2",
    "response_b": "4",
    "responses": ["7", "9", "11"],
    "response": "2 is prime.",
    "problem": "What is 2 + 3 * 4?",
    "steps": ["3 * 4 = 12", "2 + 12 = 15", "So 15."],
}
GOOD: dict[str, Any] = {
    "preference": {"choice": "a", "strength": 3, "rationale": " 4 is even "},
    "order": ["c", "a", "b"],
    "scores": {"helpfulness": 6.0},
    "ideal": "  Two.  ",
    "solution": {"steps": [" 3 * 4 = 12 ", "2 + 12 = 14"], "answer": "14"},
    "review": {"ratings": ["correct", "incorrect", "neutral"]},
}


def value(**changes: Any) -> dict[str, Any]:
    return {**GOOD, **changes}


def test_kinds_are_registered() -> None:
    assert {"pairwise", "ranking", "rubric", "response", "reasoning", "step_review"} <= set(names())


def test_a_good_value_is_normalised() -> None:
    assert SCHEMA.check(GOOD, DATA) == {
        "preference": {"choice": "a", "strength": 3, "rationale": "4 is even"},
        "order": ["c", "a", "b"],
        "scores": {"helpfulness": 6},
        "ideal": "Two.",
        "solution": {"steps": ["3 * 4 = 12", "2 + 12 = 14"], "answer": "14"},
        "review": {"ratings": ["correct", "incorrect", "neutral"], "first_error": 1},
    }


def test_a_tie_takes_no_strength_and_ranking_keys_can_be_a_dict() -> None:
    clean = SCHEMA.check(
        value(preference={"choice": "tie"}, order=["y", "x"]),
        {**DATA, "responses": {"x": "one", "y": "two"}},
    )
    assert clean["preference"] == {"choice": "tie", "strength": None, "rationale": ""}
    assert clean["order"] == ["y", "x"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"preference": {"choice": "c"}}, "preference.choice", "'c' is not one of: a, b, tie"),
        ({"preference": {"choice": "a"}}, "preference.strength", "is required when one"),
        ({"preference": {"choice": "b", "strength": 4}}, "preference.strength", "4 is outside"),
        ({"preference": {"choice": "tie", "strength": 1}}, "preference.strength", "a tie"),
        ({"preference": {"choice": "a", "strength": 1, "why": ""}}, "preference.why", "not part"),
        ({"order": ["a", "b", "b"]}, "order[2]", "'b' appears twice"),
        ({"order": ["a", "z", "b"]}, "order[1]", "'z' is not a response of this item (a, b, c)"),
        ({"order": ["a", "b"]}, "order", "misses 'c'"),
        ({"order": "abc"}, "order", "must be a list"),
        ({"scores": {"helpfulness": 9}}, "scores.helpfulness", "9 is outside the scale 1..7"),
        ({"scores": {"helpfulness": 2.5}}, "scores.helpfulness", "whole number"),
        ({"scores": {}}, "scores.helpfulness", "is required"),
        ({"scores": {"helpfulness": 2, "tone": 1}}, "scores.tone", "is not a criterion"),
        ({"ideal": "   "}, "ideal", "needs at least 1 character"),
        ({"ideal": "x" * 41}, "ideal", "at most 40"),
        ({"solution": {"steps": ["a", " "], "answer": "1"}}, "solution.steps[1]", "empty step"),
        ({"solution": {"steps": [], "answer": "1"}}, "solution.steps", "at least 1 step"),
        ({"solution": {"steps": ["a"] * 4, "answer": "1"}}, "solution.steps", "at most 3"),
        ({"solution": {"steps": ["a"], "answer": ""}}, "solution.answer", "is required"),
        ({"solution": {"steps": ["a", 3], "answer": "1"}}, "solution.steps[1]", "not int"),
        ({"review": {"ratings": ["correct", "bad", "neutral"]}}, "review.ratings[1]", "'bad'"),
        ({"review": {"ratings": ["correct"]}}, "review.ratings", "the solution has 3 steps"),
        (
            {"review": {"ratings": ["correct"] * 3, "first_error": 3}},
            "review.first_error",
            "3 is out of range: steps are 0..2",
        ),
        (
            {"review": {"ratings": ["correct", "incorrect", "incorrect"], "first_error": 2}},
            "review.first_error",
            "step 2 is not the first step rated incorrect",
        ),
    ],
)
def test_errors_name_the_field_and_the_element(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidRecord) as caught:
        SCHEMA.check(value(**changes), DATA)
    assert caught.value.field == field
    assert message in caught.value.message


def test_an_item_without_its_responses_is_named() -> None:
    with pytest.raises(InvalidRecord) as caught:
        SCHEMA.check(GOOD, {**DATA, "responses": "not a list"})
    assert caught.value.field == "order"
    assert "no readable responses under 'responses'" in caught.value.message


@pytest.mark.parametrize(
    ("spec", "field", "fragment"),
    [
        ({"kind": "pairwise", "responses": ["a"]}, "schema.fields[0].responses", "at least 2"),
        ({"kind": "pairwise", "responses": ["a", "a"]}, "schema.fields[0]", "different"),
        ({"kind": "ranking", "responses": ["a", "a"]}, "schema.fields[0]", "distinct"),
        ({"kind": "rubric", "criteria": []}, "schema.fields[0].criteria", "at least 1"),
        (
            {"kind": "rubric", "criteria": [{"name": "x", "min": 3, "max": 3}]},
            "schema.fields[0].criteria.0",
            "max must be greater",
        ),
        (
            {"kind": "rubric", "criteria": [{"name": "x"}, {"name": "x"}]},
            "schema.fields[0]",
            "distinct",
        ),
        ({"kind": "reasoning", "min_steps": 5, "max_steps": 2}, "schema.fields[0]", "min_steps"),
        ({"kind": "step_review", "solution": ""}, "schema.fields[0]", "data keys"),
    ],
)
def test_bad_settings_are_named(spec: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        LabelSchema.parse({"fields": [{"name": "f", **spec}]})
    assert caught.value.field == field
    assert fragment in caught.value.message


def field(name: str) -> Any:
    return next(f for f in SCHEMA.fields if f.name == name)


def test_pairwise_votes_on_the_choice_and_averages_the_winners_strength() -> None:
    got = field("preference").combine(
        [
            {"choice": "b", "strength": 1, "rationale": ""},
            {"choice": "a", "strength": 3, "rationale": "x"},
            {"choice": "b", "strength": 2, "rationale": "b is right"},
        ]
    )
    assert got.value == {"choice": "b", "strength": 1.5, "rationale": "b is right"}
    assert got.confidence == pytest.approx(2 / 3)


def test_ranking_is_a_borda_count() -> None:
    # Points: a = 2+0+2 = 4, b = 1+2+0 = 3, c = 0+1+1 = 2.
    got = field("order").combine([["a", "b", "c"], ["b", "c", "a"], ["a", "c", "b"]])
    assert got.value == ["a", "b", "c"]
    # Pairs a>b: 2/3, a>c: 2/3, b>c: 2/3.
    assert got.confidence == pytest.approx(2 / 3)
    assert field("order").combine([["b", "a"], ["a", "b"]]).value == ["b", "a"]  # tie: first


def test_rubric_takes_the_median_per_criterion() -> None:
    got = field("scores").combine(
        [{"helpfulness": 2}, {"helpfulness": 7, "harmless": 1}, {"helpfulness": 6}]
    )
    assert got.value == {"helpfulness": 6, "harmless": 1}
    assert got.confidence == pytest.approx((2 / 3 + 1) / 2)
    assert field("scores").combine([{"helpfulness": 3}, {"helpfulness": 6}]).value == {
        "helpfulness": 3
    }


def test_written_responses_are_not_voted() -> None:
    one = field("ideal").combine(["Two."])
    assert (one.value, one.confidence) == ("Two.", 1.0)
    two = field("ideal").combine(["Two.", "2"])
    assert (two.value, two.confidence) == ("Two.", 0.5)


def test_reasoning_keeps_a_solution_with_the_most_common_answer() -> None:
    got = field("solution").combine(
        [
            {"steps": ["guess"], "answer": "15"},
            {"steps": ["3*4=12", "2+12=14"], "answer": "14"},
            {"steps": ["12 + 2"], "answer": " 14"},
        ]
    )
    assert got.value == {"steps": ["3*4=12", "2+12=14"], "answer": "14"}
    assert got.confidence == pytest.approx(2 / 3)


def test_step_review_is_a_majority_per_step() -> None:
    got = field("review").combine(
        [
            {"ratings": ["correct", "incorrect", "neutral"], "first_error": 1},
            {"ratings": ["correct", "correct", "incorrect"], "first_error": 2},
            {"ratings": ["correct", "incorrect", "incorrect"], "first_error": 1},
        ]
    )
    assert got.value == {"ratings": ["correct", "incorrect", "incorrect"], "first_error": 1}
    assert got.confidence == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)


PER_TURN = LabelSchema.parse(
    {
        "fields": [
            {
                "name": "turns",
                "kind": "rubric",
                "prompt": "messages",
                "response": None,
                "per_turn": True,
                "criteria": [{"name": "helpful", "min": 1, "max": 5}],
            }
        ]
    }
)
CHAT = {
    "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Joke?"},
        {"role": "assistant", "content": "No."},
    ]
}


def test_a_per_turn_rubric_scores_every_assistant_turn() -> None:
    assert PER_TURN.check({"turns": [{"helpful": 5}, {"helpful": 1.0}]}, CHAT) == {
        "turns": [{"helpful": 5}, {"helpful": 1}]
    }
    got = PER_TURN.fields[0].combine(
        [[{"helpful": 5}, {"helpful": 1}], [{"helpful": 4}, {"helpful": 3}]]
    )
    assert got.value == [{"helpful": 4}, {"helpful": 1}]
    assert got.confidence == pytest.approx((1 + 0.5) / 2)


@pytest.mark.parametrize(
    ("value", "data", "field", "message"),
    [
        ([{"helpful": 5}], CHAT, "turns", "has 2 assistant turns, not 1"),
        ([{"helpful": 5}, {"helpful": 6}], CHAT, "turns[1].helpful", "6 is outside"),
        ([{"helpful": 5}, 3], CHAT, "turns[1]", "must be an object of scores"),
        ({"helpful": 5}, CHAT, "turns", "must be a list of scores per turn"),
        ([{"helpful": 5}], {"messages": "Hi"}, "turns", "no assistant turns under 'messages'"),
    ],
)
def test_per_turn_errors_name_the_turn(value: Any, data: Any, field: str, message: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        PER_TURN.check({"turns": value}, data)
    assert caught.value.field == field
    assert message in caught.value.message


def test_per_turn_needs_no_response_key() -> None:
    with pytest.raises(InvalidRecord, match="set response to null"):
        LabelSchema.parse(
            {
                "fields": [
                    {"name": "t", "kind": "rubric", "per_turn": True, "criteria": [{"name": "x"}]}
                ]
            }
        )
