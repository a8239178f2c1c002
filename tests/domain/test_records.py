"""One imported record's rules."""

from __future__ import annotations

import pytest

from veracity.domain.errors import InvalidRecord
from veracity.domain.records import json_depth, parse_item_record


def test_minimal_record() -> None:
    rec = parse_item_record({"data": {"text": "hi"}}, max_depth=8)
    assert rec.data == {"text": "hi"}
    assert rec.external_id is None
    assert rec.meta == {}


def test_integer_external_id_becomes_text() -> None:
    assert parse_item_record({"data": {"a": 1}, "external_id": 7}, max_depth=8).external_id == "7"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"data": {}}, "data"),
        ({"data": "text"}, "data"),
        ({}, "data"),
        ({"data": {"a": 1}, "external_id": ""}, "external_id"),
        ({"data": {"a": 1}, "external_id": True}, "external_id"),
        ({"data": {"a": 1}, "external_id": "x" * 256}, "external_id"),
        ({"data": {"a": 1}, "meta": []}, "meta"),
        ({"data": {"a": 1}, "text": "stray"}, "text"),
        ({"data": {"a": [[[[[[[[[1]]]]]]]]]}}, "data"),
    ],
)
def test_bad_records_name_the_field(raw: dict, field: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        parse_item_record(raw, max_depth=8)
    assert caught.value.field == field


def test_record_must_be_an_object() -> None:
    with pytest.raises(InvalidRecord, match="must be an object"):
        parse_item_record([1, 2], max_depth=8)


def test_json_depth_stops_early_on_deep_input() -> None:
    deep: list = []
    node = deep
    for _ in range(10_000):
        node.append([])
        node = node[0]
    assert json_depth(deep, 32) == 33
    assert json_depth({"a": [1, {"b": 2}]}, 32) == 3
