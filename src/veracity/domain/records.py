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
