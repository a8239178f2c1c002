"""What every label kind provides: its settings, its value check, and how votes combine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import orjson
from pydantic import BaseModel, ConfigDict, Field

from veracity.domain.errors import InvalidRecord

FIELD_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$"


@dataclass(frozen=True, slots=True)
class Consensus:
    """The combined value of several people's answers for one field, and its support."""

    value: Any
    confidence: float


class FieldKind(BaseModel):
    """One named field of a label schema. Each kind subclasses this in its own module.

    A subclass sets ``kind`` (the name used in schemas), declares its settings as pydantic
    fields, and implements :meth:`check`. The defaults of :meth:`vote_key` and
    :meth:`combine` give a majority vote over equal values.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind_name: ClassVar[str] = ""

    name: str = Field(pattern=FIELD_NAME_PATTERN, description="Key of this field in a value.")
    required: bool = Field(True, description="Whether every annotation must fill this field.")
    description: str = Field("", max_length=2000, description="Help shown to the annotator.")

    def check(self, value: Any, data: Mapping[str, Any]) -> Any:
        """Return ``value`` normalised, or raise ``InvalidRecord`` naming ``self.name``."""
        raise NotImplementedError

    def invalid(self, reason: str, element: str = "") -> InvalidRecord:
        """An error naming this field (and an element inside it, like ``[2]``)."""
        return InvalidRecord(reason, field=f"{self.name}{element}")

    def vote_key(self, value: Any) -> Hashable:
        """A hashable stand-in for ``value`` such that equal answers have equal keys."""
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)

    def combine(self, values: Sequence[Any]) -> Consensus:
        """Majority vote: the most frequent answer, and the share of people who gave it.

        Ties go to the answer given first, so the result does not depend on hash order.
        """
        if not values:
            raise ValueError("combine needs at least one value")
        keys = [self.vote_key(v) for v in values]
        counts = Counter(keys)
        best = max(counts.values())
        for key, value in zip(keys, values, strict=True):
            if counts[key] == best:
                return Consensus(value=value, confidence=best / len(values))
        raise AssertionError("unreachable")  # pragma: no cover

    def csv_cell(self, value: Any) -> str:
        """How a value of this field reads in one CSV cell."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        return orjson.dumps(value).decode()
