"""Bringing labels made elsewhere: annotations with outside workers' ids, into a project."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import InvalidRecord
from veracity.domain.records import AnnotationRecord, parse_annotation_record
from veracity.domain.roles import Permission
from veracity.services import audit
from veracity.services.items import batched
from veracity.services.jobs import JobService
from veracity.services.projects import Project, require_project
from veracity.services.resolving import TruthModels, resolve_item
from veracity.storage.db import Database
from veracity.storage.queries import annotations as annotations_q
from veracity.storage.queries import items as items_q
from veracity.storage.queries import queue as queue_q
from veracity.storage.types import utcnow

BATCH = 1000
LABEL = "label"


@dataclass(slots=True)
class AnnotationImport:
    """What an annotation import did."""

    created: int = 0
    unchanged: int = 0
    items_resolved: int = 0


class AnnotationImportService:
    """Use cases about annotations made outside Veracity."""

    def __init__(self, db: Database, truth: TruthModels, jobs: JobService) -> None:
        self.db = db
        self.truth = truth
        self.jobs = jobs

    def import_records(
        self, caller: Caller, project_id: int, records: Iterable[Any]
    ) -> AnnotationImport:
        """Import ``{external_id, worker, value, seconds?}`` records in one transaction.

        Each value is checked against the schema; an item must exist; one outside worker has
        one answer per item, so importing the same file again changes nothing, and a
        different answer for a pair already stored is refused. Items that reach their overlap
        are resolved.
        """
        caller.require(Permission.write_items)
        result = AnnotationImport()
        touched: set[int] = set()
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            for batch in batched(enumerate(records, start=1), BATCH):
                touched |= self._import_batch(conn, project, batch, result)
            for item_id, n_done, quota, state in queue_q.item_counts(conn, sorted(touched)):
                if state != queue_q.GOLD and n_done >= quota:
                    resolve_item(conn, project, item_id, truth=self.truth)
                    result.items_resolved += 1
            audit.record(
                conn,
                caller,
                "annotations.import",
                "project",
                project_id,
                created=result.created,
                unchanged=result.unchanged,
            )
        if result.created:
            self.jobs.annotations_added(project, result.created)
        return result

    def _import_batch(
        self,
        conn: Connection,
        project: Project,
        batch: tuple[tuple[int, Any], ...],
        result: AnnotationImport,
    ) -> set[int]:
        parsed: list[tuple[int, AnnotationRecord]] = []
        for n, raw in batch:
            try:
                parsed.append((n, parse_annotation_record(raw)))
            except InvalidRecord as exc:
                raise exc.in_record(n) from None
        found = items_q.by_external_id(conn, project.id, sorted({r.external_id for _, r in parsed}))
        ids = [row.id for row in found.values()]
        stored = annotations_q.imported_pairs(conn, ids, sorted({r.worker for _, r in parsed}))
        now = utcnow()
        rows: dict[tuple[int, str], dict[str, Any]] = {}
        for n, rec in parsed:
            item = found.get(rec.external_id)
            if item is None:
                raise InvalidRecord(
                    f"no item {rec.external_id!r} in this project", field="external_id", record=n
                )
            try:
                value = project.schema.check(rec.value, item.data)
            except InvalidRecord as exc:
                raise exc.under("value").in_record(n) from None
            key = (int(item.id), rec.worker)
            earlier = stored.get(key, rows[key]["value"] if key in rows else None)
            if earlier is not None:
                if earlier != value:
                    raise InvalidRecord(
                        f"worker {rec.worker!r} already has a different answer for item "
                        f"{rec.external_id!r}",
                        field="value",
                        record=n,
                    )
                result.unchanged += 1
                continue
            rows[key] = {
                "project_id": project.id,
                "item_id": key[0],
                "external_worker": rec.worker,
                "stage": LABEL,
                "value": value,
                "seconds": rec.seconds,
                "created_at": now,
            }
        annotations_q.insert_imported(conn, list(rows.values()))
        result.created += len(rows)
        queue_q.count_imported(conn, Counter(item_id for item_id, _ in rows))
        return {item_id for item_id, _ in rows}
