"""Rules for one imported item record: ``{data, external_id?, meta?}``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from veracity.domain.errors import InvalidRecord

MAX_EXTERNAL_ID = 255
_KEYS = frozenset({"data", "external_id", "meta"})


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """A validated item ready to store."""

    data: dict[str, Any]
    external_id: str | None
    meta: dict[str, Any]


def json_depth(value: Any, limit: int) -> int:
    """The nesting depth of a JSON value, stopping early once it passes ``limit``.

    Iterative on purpose: a recursive walk is what deep input is crafted to break.
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def has_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character in any key or string.

    PostgreSQL cannot store NUL in text or JSON, so such input is refused up front on every
    database alike, instead of failing at the insert.
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return True
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _check_storable(value: Any, field: str, max_depth: int) -> None:
    if json_depth(value, max_depth) > max_depth:
        raise InvalidRecord(f"is nested deeper than {max_depth} levels", field=field)
    if has_nul(value):
        raise InvalidRecord("contains a NUL character", field=field)


def parse_item_record(raw: Any, *, max_depth: int) -> ItemRecord:
    """Validate one record; errors name the field (the caller adds the record number)."""
    if not isinstance(raw, Mapping):
        raise InvalidRecord(f"must be an object, not {type(raw).__name__}")
    extra = set(raw) - _KEYS
    if extra:
        raise InvalidRecord(
            "is not allowed; a record has 'data', 'external_id' and 'meta'",
            field=sorted(extra)[0],
        )
    data = raw.get("data")
    if not isinstance(data, dict) or not data:
        raise InvalidRecord("must be a non-empty object", field="data")
    _check_storable(data, "data", max_depth)
    external_id = raw.get("external_id")
    if external_id is not None:
        if isinstance(external_id, bool) or not isinstance(external_id, str | int):
            raise InvalidRecord("must be a string or an integer", field="external_id")
        external_id = str(external_id)
        if "\x00" in external_id:
            raise InvalidRecord("contains a NUL character", field="external_id")
        if not external_id or len(external_id) > MAX_EXTERNAL_ID:
            raise InvalidRecord(f"must be 1 to {MAX_EXTERNAL_ID} characters", field="external_id")
    meta = raw.get("meta")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InvalidRecord("must be an object", field="meta")
    _check_storable(meta, "meta", max_depth)
    return ItemRecord(data=data, external_id=external_id, meta=meta)


@dataclass(frozen=True, slots=True)
class AnnotationRecord:
    """An annotation made elsewhere, to import: which item, which outside worker, what value."""

    external_id: str
    worker: str
    value: dict[str, Any]
    seconds: float | None


_ANNOTATION_KEYS = frozenset({"external_id", "worker", "value", "seconds"})


def _identifier(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidRecord("is required: a string or an integer", field=key)
    text = str(value)
    if not text or len(text) > MAX_EXTERNAL_ID or "\x00" in text:
        raise InvalidRecord(f"must be 1 to {MAX_EXTERNAL_ID} characters", field=key)
    return text


def parse_annotation_record(raw: Any) -> AnnotationRecord:
    """Validate one ``{external_id, worker, value, seconds?}`` record (the value is checked
    against the schema by the caller, who has the item)."""
    if not isinstance(raw, Mapping):
        raise InvalidRecord(f"must be an object, not {type(raw).__name__}")
    extra = set(raw) - _ANNOTATION_KEYS
    if extra:
        raise InvalidRecord(
            "is not allowed; a record has 'external_id', 'worker', 'value' and 'seconds'",
            field=sorted(extra)[0],
        )
    external_id = _identifier(raw, "external_id")
    worker = _identifier(raw, "worker")
    value = raw.get("value")
    if not isinstance(value, dict):
        raise InvalidRecord("must be an object keyed by field name", field="value")
    seconds = raw.get("seconds")
    if seconds is not None and (
        isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0
    ):
        raise InvalidRecord("must be a number of seconds, 0 or more", field="seconds")
    return AnnotationRecord(external_id, worker, value, None if seconds is None else float(seconds))
