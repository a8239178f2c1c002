"""Projects and items for tests."""

from __future__ import annotations

from typing import Any

SENTIMENT = {"fields": [{"name": "sentiment", "kind": "choice", "options": ["pos", "neg", "neu"]}]}

ALL_KINDS = {
    "fields": [
        {"name": "sentiment", "kind": "choice", "options": ["pos", "neg", "neu"]},
        {"name": "topics", "kind": "multi_choice", "options": ["a", "b", "c"]},
        {"name": "stars", "kind": "rating", "min": 1, "max": 5},
        {"name": "note", "kind": "text", "required": False, "max_length": 50},
    ]
}


def texts(n: int, prefix: str = "item") -> list[dict[str, Any]]:
    """``n`` records with external ids ``{prefix}-0`` and so on."""
    return [
        {"external_id": f"{prefix}-{i}", "data": {"text": f"{prefix} number {i}"}} for i in range(n)
    ]
