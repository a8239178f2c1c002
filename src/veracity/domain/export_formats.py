"""Export formats: how a stream of item records becomes a file. Pure functions, no I/O.

Each format is a small class with ``begin``, ``rows`` and ``end`` so that services can stream
a project batch by batch. Formats register like label kinds do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any, ClassVar

import orjson

from veracity.domain.label_schema import LabelSchema

# A cell a spreadsheet would read as a formula starts with one of these (OWASP, "CSV
# injection"); such cells get a leading apostrophe so they are shown as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise_cell(text: str) -> str:
    """``text`` made safe to open in a spreadsheet."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _json_default(value: Any) -> Any:
    raise TypeError(f"cannot export {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Compact JSON for export files (datetimes as ISO 8601)."""
    return orjson.dumps(value, default=_json_default)


class ExportFormat:
    """Base of export formats; subclasses set ``name``, ``media_type`` and ``extension``."""

    name: ClassVar[str] = ""
    media_type: ClassVar[str] = "application/octet-stream"
    extension: ClassVar[str] = ""

    def __init__(self, schema: LabelSchema) -> None:
        self.schema = schema

    def begin(self) -> bytes:
        """Bytes before the first record."""
        return b""

    def rows(self, records: Sequence[dict[str, Any]]) -> bytes:
        """Bytes for a batch of records."""
        raise NotImplementedError

    def end(self) -> bytes:
        """Bytes after the last record."""
        return b""


class JsonLines(ExportFormat):
    """One JSON object per line: the item, its annotations (who, when, how long) and its
    resolution."""

    name = "jsonl"
    media_type = "application/x-ndjson"
    extension = "jsonl"

    def rows(self, records: Sequence[dict[str, Any]]) -> bytes:
        """One line per record."""
        return b"".join(dumps(r) + b"\n" for r in records)


class Csv(ExportFormat):
    """One row per item: ids, the data as JSON, one column per schema field with the resolved
    value, the resolution's confidence, method and source, and the annotations as JSON."""

    name = "csv"
    media_type = "text/csv; charset=utf-8"
    extension = "csv"

    def header(self) -> list[str]:
        """The column names."""
        fields = [f.name for f in self.schema.fields]
        return [
            "item_id",
            "external_id",
            "data",
            *fields,
            "confidence",
            "method",
            "source",
            "annotators",
            "annotations",
        ]

    def begin(self) -> bytes:
        """The header row (field names are validated identifiers, safe as they are)."""
        return self._encode([self.header()])

    def rows(self, records: Sequence[dict[str, Any]]) -> bytes:
        """One row per record, every text cell neutralised for spreadsheets."""
        out = []
        for r in records:
            resolution = r["resolution"] or {}
            value = resolution.get("value") or {}
            cells: list[Any] = [
                r["id"],
                r["external_id"] or "",
                dumps(r["data"]).decode(),
                *(f.csv_cell(value.get(f.name)) for f in self.schema.fields),
                resolution.get("confidence", ""),
                resolution.get("method", ""),
                resolution.get("source", ""),
                ";".join(a["user"] or "" for a in r["annotations"]),
                dumps(r["annotations"]).decode(),
            ]
            out.append([neutralise_cell(c) if isinstance(c, str) else c for c in cells])
        return self._encode(out)

    @staticmethod
    def _encode(rows: list[list[Any]]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return buffer.getvalue().encode()


_FORMATS: dict[str, type[ExportFormat]] = {}


def register(cls: type[ExportFormat]) -> type[ExportFormat]:
    """Make an export format available under ``cls.name``."""
    _FORMATS[cls.name] = cls
    return cls


def get(name: str) -> type[ExportFormat] | None:
    """The format registered under ``name``."""
    return _FORMATS.get(name)


def names() -> list[str]:
    """Every registered format name, sorted."""
    return sorted(_FORMATS)


register(JsonLines)
register(Csv)

# Formats for language-model training data (SFT, DPO, step labels) register on import.
from veracity.domain import genai_exports  # noqa: E402, F401  (registers itself)
