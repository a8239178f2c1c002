"""The registry of label kinds. Built-in kinds register here exactly as a plug-in would."""

from __future__ import annotations

from typing import TypeVar

from veracity.domain.schema_kinds.base import FieldKind

K = TypeVar("K", bound=type[FieldKind])

_KINDS: dict[str, type[FieldKind]] = {}


def register(cls: K) -> K:
    """Class decorator: make ``cls`` available to schemas under ``cls.kind_name``."""
    name = cls.kind_name
    if not name:
        raise ValueError(f"{cls.__name__} has no kind_name")
    if name in _KINDS and _KINDS[name] is not cls:
        raise ValueError(f"label kind {name!r} is already registered")
    _KINDS[name] = cls
    return cls


def get(name: str) -> type[FieldKind] | None:
    """The field class registered under ``name``, if any."""
    return _KINDS.get(name)


def names() -> list[str]:
    """Every registered kind name, sorted."""
    return sorted(_KINDS)
