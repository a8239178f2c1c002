"""A project's label schema: named fields, each of one registered kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from veracity.domain import schema_kinds
from veracity.domain.errors import InvalidRecord
from veracity.domain.schema_kinds import FieldKind
from veracity.domain.validation import first_error

MAX_FIELDS = 50


@dataclass(frozen=True, slots=True)
class LabelSchema:
    """The ordered fields of a schema. Built by :meth:`parse`, never by hand."""

    fields: tuple[FieldKind, ...]

    @classmethod
    def parse(cls, raw: Any) -> LabelSchema:
        """Validate a schema document ``{"fields": [...]}``; errors name ``schema.fields[i]``."""
        if not isinstance(raw, Mapping):
            raise InvalidRecord("must be an object with a 'fields' list", field="schema")
        extra = set(raw) - {"fields"}
        if extra:
            raise InvalidRecord("is not a known setting", field=f"schema.{sorted(extra)[0]}")
        specs = raw.get("fields")
        if not isinstance(specs, list) or not specs:
            raise InvalidRecord("must be a non-empty list", field="schema.fields")
        if len(specs) > MAX_FIELDS:
            raise InvalidRecord(f"allows at most {MAX_FIELDS} fields", field="schema.fields")
        fields: list[FieldKind] = []
        seen: set[str] = set()
        for i, spec in enumerate(specs):
            where = f"schema.fields[{i}]"
            if not isinstance(spec, Mapping):
                raise InvalidRecord("must be an object", field=where)
            kind = spec.get("kind")
            field_cls = schema_kinds.get(kind) if isinstance(kind, str) else None
            if field_cls is None:
                known = ", ".join(schema_kinds.names())
                raise InvalidRecord(f"unknown kind {kind!r}; known: {known}", field=f"{where}.kind")
            try:
                field = field_cls.model_validate(spec)
            except ValidationError as exc:
                raise first_error(exc).under(where) from None
            if field.name in seen:
                raise InvalidRecord(f"duplicate field name {field.name!r}", field=f"{where}.name")
            seen.add(field.name)
            fields.append(field)
        return cls(fields=tuple(fields))

    def to_json(self) -> dict[str, Any]:
        """The schema as a JSON document (with every default filled in)."""
        return {"fields": [f.model_dump(mode="json") for f in self.fields]}

    def check(self, value: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        """Validate an annotation value against every field; return it normalised.

        Unknown keys are refused, required fields must be present and not null.
        """
        if not isinstance(value, Mapping):
            raise InvalidRecord("must be an object keyed by field name", field="value")
        names = {f.name for f in self.fields}
        for key in value:
            if key not in names:
                raise InvalidRecord("is not a field of this project's schema", field=key)
        clean: dict[str, Any] = {}
        for field in self.fields:
            raw = value.get(field.name)
            if raw is None:
                if field.required:
                    raise InvalidRecord("is required", field=field.name)
                continue
            clean[field.name] = field.check(raw, data)
        return clean
