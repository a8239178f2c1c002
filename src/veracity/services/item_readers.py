"""Reading item records from an uploaded file, one at a time, in constant memory.

Formats: a JSON array (parsed incrementally with ijson), NDJSON (one JSON object per line)
and CSV (a header row; ``external_id`` and ``meta.*`` columns are special, every other column
becomes a key of ``data``). Malformed input raises ``InvalidRecord`` naming the record number.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from enum import StrEnum
from typing import IO, Any

import ijson
import orjson
from ijson.common import ObjectBuilder

from veracity.domain.errors import InvalidRecord


class ItemFormat(StrEnum):
    """File formats accepted for item import."""

    json = "json"
    ndjson = "ndjson"
    csv = "csv"


MEDIA_TYPES: dict[str, ItemFormat] = {
    "application/json": ItemFormat.json,
    "application/x-ndjson": ItemFormat.ndjson,
    "application/jsonl": ItemFormat.ndjson,
    "application/ndjson": ItemFormat.ndjson,
    "text/csv": ItemFormat.csv,
}

SUFFIXES: dict[str, ItemFormat] = {
    ".json": ItemFormat.json,
    ".ndjson": ItemFormat.ndjson,
    ".jsonl": ItemFormat.ndjson,
    ".csv": ItemFormat.csv,
}


# The most a setting allows (``max_json_depth``); each record is checked against the actual
# setting once read. Nesting is counted as the records are parsed, so that deep brackets are
# refused before they are built: one request of them could otherwise use memory without bound.
MAX_RECORD_DEPTH = 512


def read_records(
    stream: IO[bytes], fmt: ItemFormat, max_depth: int = MAX_RECORD_DEPTH
) -> Iterator[Any]:
    """Yield the raw records of ``stream`` in order; a JSON array's records whose fields nest
    deeper than ``max_depth`` are refused as they are read."""
    if fmt is ItemFormat.json:
        return _json_array(stream, max_depth)
    if fmt is ItemFormat.ndjson:
        return _ndjson(stream)
    return _csv(stream)


def _json_array(stream: IO[bytes], max_depth: int) -> Iterator[Any]:
    head = stream.read(64)
    if head.removeprefix(codecs.BOM_UTF8).lstrip()[:1] != b"[":
        raise InvalidRecord("a JSON import must be an array of records")
    n = 0
    # ``ijson.items`` would track a prefix string per level (quadratic in the depth), so the
    # records are built from the basic events here, counting the depth as they arrive.
    events = ijson.basic_parse(_Prefixed(head, stream), use_float=True)
    builder: ObjectBuilder | None = None
    depth = 0
    field: str | None = None
    try:
        next(events)  # the array's start_array
        for event, value in events:
            if builder is None:
                if event == "end_array":
                    break
                n += 1
                builder = ObjectBuilder()
            builder.event(event, value)
            if event == "map_key" and depth == 1:
                field = value
            elif event in ("start_map", "start_array"):
                depth += 1
                if depth > max_depth + 1:  # the record's own braces are one level
                    raise InvalidRecord(
                        f"is nested deeper than {max_depth} levels", field=field, record=n
                    )
            elif event in ("end_map", "end_array"):
                depth -= 1
            if depth == 0:
                yield builder.value
                builder = None
        for _ in events:  # anything after the array is an error, raised by the parser
            pass
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        record = n if builder is not None else n + 1
        raise InvalidRecord(f"is not valid JSON ({exc})", record=record) from None


class _Prefixed:
    """A stream whose first bytes were already read to sniff the format: gives them back."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._rest.read(size)
        if size < 0:
            head, self._head = self._head, b""
            return head + self._rest.read()
        head, self._head = self._head[:size], self._head[size:]
        return head


def _ndjson(stream: IO[bytes]) -> Iterator[Any]:
    n = 0
    for line in stream:
        if not line.strip():
            continue
        n += 1
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise InvalidRecord(f"is not valid JSON ({exc})", record=n) from None


def _csv(stream: IO[bytes]) -> Iterator[Any]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    n = 0
    try:
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            return
        if len(set(header)) != len(header) or any(not h for h in header):
            raise InvalidRecord("the CSV header needs distinct, non-empty column names")
        for n, row in enumerate(reader, start=1):
            if len(row) != len(header):
                raise InvalidRecord(
                    f"has {len(row)} columns where the header has {len(header)}", record=n
                )
            record: dict[str, Any] = {"data": {}}
            for column, cell in zip(header, row, strict=True):
                if column == "external_id":
                    record["external_id"] = cell or None
                elif column.startswith("meta."):
                    record.setdefault("meta", {})[column[5:]] = cell
                else:
                    record["data"][column] = cell
            yield record
    except UnicodeDecodeError:
        raise InvalidRecord("is not valid UTF-8", record=n + 1) from None
    except csv.Error as exc:
        raise InvalidRecord(f"is not valid CSV ({exc})", record=n + 1) from None
    finally:
        text.detach()
