"""Importing items: streamed, validated, idempotent by external id, all or nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import InvalidRecord
from veracity.domain.records import ItemRecord, parse_item_record
from veracity.domain.roles import Permission
from veracity.services import audit
from veracity.services.projects import Project, require_project
from veracity.storage.db import Database
from veracity.storage.queries import items as q
from veracity.storage.types import utcnow

BATCH = 1000
# After this many new items the planner's statistics are refreshed, so the queue's queries
# are planned for the table's real size rather than for the empty table it was.
ANALYZE_AFTER = 10_000


def batched(iterable: Iterable[Any], size: int) -> Iterator[tuple[Any, ...]]:
    """Tuples of ``size`` items (the last may be shorter); ``itertools.batched`` is 3.12+."""
    it = iter(iterable)
    while chunk := tuple(islice(it, size)):
        yield chunk


@dataclass(slots=True)
class ImportResult:
    """What an import did."""

    created: int = 0
    unchanged: int = 0
    updated: int = 0

    @property
    def total(self) -> int:
        """Records read."""
        return self.created + self.unchanged + self.updated


class ItemService:
    """Use cases about items."""

    def __init__(self, db: Database, max_depth: int) -> None:
        self.db = db
        self.max_depth = max_depth

    def import_records(
        self,
        caller: Caller,
        project_id: int,
        records: Iterable[Any],
        on_batch: Callable[[ImportResult], None] | None = None,
    ) -> ImportResult:
        """Add items to a project in one transaction.

        A record whose ``external_id`` exists already is left alone when its data and meta are
        the same, and updated when the item has no annotations yet; any bad record fails the
        whole request with an error naming the record's number and field.
        """
        caller.require(Permission.write_items)
        result = ImportResult()
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            numbered = enumerate(records, start=1)
            for batch in batched(numbered, BATCH):
                self._import_batch(conn, project, batch, result)
                if on_batch is not None:
                    on_batch(result)
            if result.created >= ANALYZE_AFTER:
                q.analyze(conn)
            audit.record(
                conn,
                caller,
                "items.import",
                "project",
                project_id,
                created=result.created,
                updated=result.updated,
                unchanged=result.unchanged,
            )
        return result

    def _import_batch(
        self,
        conn: Connection,
        project: Project,
        batch: tuple[tuple[int, Any], ...],
        result: ImportResult,
    ) -> None:
        now = utcnow()
        quota = project.workflow.overlap
        anonymous: list[dict[str, Any]] = []
        keyed: dict[str, tuple[int, ItemRecord]] = {}
        for n, raw in batch:
            try:
                rec = parse_item_record(raw, max_depth=self.max_depth)
            except InvalidRecord as exc:
                raise exc.in_record(n) from None
            if rec.external_id is None:
                anonymous.append(_row(project.id, rec, quota, now))
                result.created += 1
                continue
            earlier = keyed.get(rec.external_id)
            if earlier is not None:
                # The same external id twice in one batch: the later record wins.
                same = earlier[1].data == rec.data and earlier[1].meta == rec.meta
                result.unchanged += same
                result.updated += not same
            keyed[rec.external_id] = (n, rec)
        q.insert_items(conn, anonymous)
        rows = [_row(project.id, rec, quota, now) for _, rec in keyed.values()]
        inserted = q.insert_new_items(conn, rows)
        result.created += len(inserted)
        conflicting = [ext for ext in keyed if ext not in inserted]
        known = q.existing(conn, project.id, conflicting)
        changes = []
        for ext in conflicting:
            n, rec = keyed[ext]
            row = known[ext]
            if row.data == rec.data and row.meta == rec.meta:
                result.unchanged += 1
                continue
            if row.n_done:
                raise InvalidRecord(
                    f"item {ext!r} already has annotations, so its data cannot change; "
                    "import it under a new external_id",
                    field="data",
                    record=n,
                )
            changes.append({"item_id": row.id, "new_data": rec.data, "new_meta": rec.meta})
            result.updated += 1
        q.update_items(conn, changes)


def _row(project_id: int, rec: ItemRecord, quota: int, now: datetime) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "external_id": rec.external_id,
        "data": rec.data,
        "meta": rec.meta,
        "state": "open",
        "quota": quota,
        "n_leased": 0,
        "n_done": 0,
        "created_at": now,
    }
