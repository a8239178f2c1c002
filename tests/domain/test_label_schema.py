"""Label schemas and the four starting kinds: what is accepted, and errors that name fields."""

from __future__ import annotations

import pytest

from veracity.domain.errors import InvalidRecord
from veracity.domain.label_schema import LabelSchema
from veracity.domain.schema_kinds import names

SCHEMA = LabelSchema.parse(
    {
        "fields": [
            {"name": "sentiment", "kind": "choice", "options": ["pos", "neg"]},
            {
                "name": "topics",
                "kind": "multi_choice",
                "options": ["a", "b", "c"],
                "max_selected": 2,
            },
            {"name": "stars", "kind": "rating", "min": 1, "max": 5},
            {
                "name": "note",
                "kind": "text",
                "required": False,
                "max_length": 10,
                "multiline": False,
            },
        ]
    }
)


def test_builtin_kinds_are_registered() -> None:
    assert {"choice", "multi_choice", "rating", "text"} <= set(names())


def test_valid_value_is_normalised() -> None:
    value = SCHEMA.check(
        {"sentiment": "pos", "topics": ["c", "a"], "stars": 4.0, "note": "  ok  "}, {}
    )
    assert value == {"sentiment": "pos", "topics": ["a", "c"], "stars": 4, "note": "ok"}


def test_optional_field_may_be_left_out() -> None:
    assert "note" not in SCHEMA.check({"sentiment": "neg", "topics": [], "stars": 1}, {})


@pytest.mark.parametrize(
    ("value", "field", "fragment"),
    [
        ({"sentiment": "meh", "topics": [], "stars": 1}, "sentiment", "not one of the options"),
        ({"sentiment": 3, "topics": [], "stars": 1}, "sentiment", "not int"),
        ({"topics": [], "stars": 1}, "sentiment", "required"),
        ({"sentiment": "pos", "topics": ["a", "z"], "stars": 1}, "topics[1]", "not one of"),
        ({"sentiment": "pos", "topics": ["a", "a"], "stars": 1}, "topics", "twice"),
        ({"sentiment": "pos", "topics": ["a", "b", "c"], "stars": 1}, "topics", "at most 2"),
        ({"sentiment": "pos", "topics": "a", "stars": 1}, "topics", "list"),
        ({"sentiment": "pos", "topics": [], "stars": 6}, "stars", "outside the scale"),
        ({"sentiment": "pos", "topics": [], "stars": 2.5}, "stars", "whole number"),
        ({"sentiment": "pos", "topics": [], "stars": True}, "stars", "whole number"),
        ({"sentiment": "pos", "topics": [], "stars": 1, "note": "x" * 11}, "note", "at most 10"),
        ({"sentiment": "pos", "topics": [], "stars": 1, "note": "a\nb"}, "note", "single line"),
        ({"sentiment": "pos", "topics": [], "stars": 1, "extra": 1}, "extra", "not a field"),
    ],
)
def test_invalid_values_name_the_field(value: dict, field: str, fragment: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        SCHEMA.check(value, {})
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_value_must_be_an_object() -> None:
    with pytest.raises(InvalidRecord, match="object keyed by field name"):
        SCHEMA.check(["pos"], {})


@pytest.mark.parametrize(
    ("raw", "field", "fragment"),
    [
        ({}, "schema.fields", "non-empty list"),
        ({"fields": []}, "schema.fields", "non-empty list"),
        ({"fields": [{"name": "x", "kind": "nope"}]}, "schema.fields[0].kind", "unknown kind"),
        (
            {"fields": [{"name": "x", "kind": "choice", "options": ["a"]}]},
            "schema.fields[0].options",
            "at least 2",
        ),
        (
            {"fields": [{"name": "x", "kind": "choice", "options": ["a", "a"]}]},
            "schema.fields[0]",
            "distinct",
        ),
        ({"fields": [{"name": "bad name", "kind": "text"}]}, "schema.fields[0].name", "pattern"),
        (
            {"fields": [{"name": "x", "kind": "text"}, {"name": "x", "kind": "text"}]},
            "schema.fields[1].name",
            "duplicate",
        ),
        (
            {"fields": [{"name": "x", "kind": "rating", "min": 5, "max": 1}]},
            "schema.fields[0]",
            "greater than min",
        ),
        (
            {"fields": [{"name": "x", "kind": "text", "colour": "red"}]},
            "schema.fields[0].colour",
            "not a known setting",
        ),
        ({"fields": [{"name": "x", "kind": "text"}], "other": 1}, "schema.other", "not a known"),
    ],
)
def test_invalid_schemas_name_the_setting(raw: dict, field: str, fragment: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        LabelSchema.parse(raw)
    assert caught.value.field == field
    assert fragment in caught.value.message


def test_schema_round_trips_through_json() -> None:
    again = LabelSchema.parse(SCHEMA.to_json())
    assert again == SCHEMA
