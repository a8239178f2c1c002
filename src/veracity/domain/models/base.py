"""The interface a label model offers, and how an item's data becomes model input."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class LabelModel(Protocol):
    """A model of one categorical field: classes are numbered 0 .. n_classes - 1."""

    def fit(self, items: Sequence[Mapping[str, Any]], labels: IntArray, n_classes: int) -> None:
        """Learn from labeled items (``labels[i]`` is the class of ``items[i]``)."""

    def predict_proba(self, items: Sequence[Mapping[str, Any]]) -> FloatArray:
        """One row per item, one column per class, rows summing to 1."""


def item_text(data: Mapping[str, Any]) -> str:
    """The text a text model reads from an item: every string value of its data, in key
    order (keys sorted so two items with the same data read the same), joined by newlines.
    Nested lists and objects (a conversation) contribute their strings too."""
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, Mapping):
            for key in sorted(value):
                walk(value[key])
        elif isinstance(value, list | tuple):
            for element in value:
                walk(element)

    walk(data)
    return "\n".join(parts)
