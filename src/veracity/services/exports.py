"""Exporting a project: every item with its annotations and resolution, streamed in batches
from one consistent snapshot so memory stays flat whatever the project's size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from veracity.domain import export_formats
from veracity.domain.caller import Caller
from veracity.domain.errors import InvalidRecord
from veracity.domain.roles import Permission
from veracity.services import audit
from veracity.services.projects import Project, require_project
from veracity.storage.db import Database
from veracity.storage.queries import exports as q
from veracity.storage.queries import items as items_q

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Export:
    """A ready-to-stream export: iterate ``chunks`` to get the file's bytes."""

    filename: str
    media_type: str
    total_items: int
    chunks: Iterator[bytes]


class ExportService:
    """Use cases about getting labeled data out."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def export(
        self,
        caller: Caller,
        project_id: int,
        fmt: str,
        on_progress: Callable[[int], None] | None = None,
    ) -> Export:
        """Check access and the format now; the returned chunks read the data lazily."""
        caller.require(Permission.export)
        format_cls = export_formats.get(fmt)
        if format_cls is None:
            known = ", ".join(export_formats.names())
            raise InvalidRecord(f"unknown format {fmt!r}; known: {known}", field="format")
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            # A training format refuses a schema it cannot feed, before anything is recorded.
            encoder = format_cls(project.schema)
            total = sum(items_q.state_counts(conn, project_id).values())
            audit.record(conn, caller, "project.export", "project", project_id, format=fmt)
        return Export(
            filename=f"project-{project_id}.{encoder.extension}",
            media_type=encoder.media_type,
            total_items=total,
            chunks=self._chunks(project, encoder, on_progress),
        )

    def _chunks(
        self,
        project: Project,
        encoder: export_formats.ExportFormat,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[bytes]:
        yield encoder.begin()
        with self.db.read(snapshot=True) as conn:
            after = 0
            while batch := q.item_batch(conn, project.id, after, BATCH):
                ids = [row.id for row in batch]
                by_item: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
                for a in q.annotations_of(conn, project.id, ids[0], ids[-1]):
                    by_item[a.item_id].append(
                        {
                            "id": a.id,
                            "user_id": a.user_id,
                            "user": a.email,
                            "stage": a.stage,
                            "value": a.value,
                            "seconds": a.seconds,
                            "created_at": a.created_at,
                            "supersedes_id": a.supersedes_id,
                        }
                    )
                resolved = {
                    r.item_id: {
                        "value": r.value,
                        "confidence": r.confidence,
                        "method": r.method,
                        "source": r.source,
                        "n_annotations": r.n_annotations,
                    }
                    for r in q.resolutions_of(conn, project.id, ids[0], ids[-1])
                }
                records = [
                    {
                        "id": row.id,
                        "external_id": row.external_id,
                        "data": row.data,
                        "meta": row.meta,
                        "annotations": by_item.get(row.id, []),
                        "resolution": resolved.get(row.id),
                    }
                    for row in batch
                ]
                yield encoder.rows(records)
                if on_progress is not None:
                    on_progress(len(batch))
                after = ids[-1]
        yield encoder.end()
