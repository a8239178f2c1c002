"""Gold: expected values for some items, used to measure people, never shown to them."""

from __future__ import annotations

from typing import Any

from veracity.domain.caller import Caller
from veracity.domain.errors import InvalidRecord
from veracity.domain.roles import Permission
from veracity.services import audit
from veracity.services.projects import require_project
from veracity.storage.db import Database
from veracity.storage.queries import gold as q
from veracity.storage.queries import items as items_q
from veracity.storage.queries import queue as queue_q
from veracity.storage.queries import resolutions as resolutions_q
from veracity.storage.types import utcnow

MAX_GOLD = 10_000


class GoldService:
    """Use cases about gold values."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def upload(self, caller: Caller, project_id: int, records: Any) -> int:
        """Set gold values ``[{external_id, value}]``; all or nothing; returns how many."""
        caller.require(Permission.write_gold)
        if not isinstance(records, list):
            raise InvalidRecord("must be a list of {external_id, value}")
        if len(records) > MAX_GOLD:
            raise InvalidRecord(f"allows at most {MAX_GOLD} records per request")
        now = utcnow()
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            wanted: list[tuple[int, str, Any]] = []
            for n, rec in enumerate(records, start=1):
                if not isinstance(rec, dict) or set(rec) != {"external_id", "value"}:
                    raise InvalidRecord("must be exactly {external_id, value}", record=n)
                ext = rec["external_id"]
                if isinstance(ext, bool) or not isinstance(ext, str | int):
                    raise InvalidRecord("must be a string", field="external_id", record=n)
                wanted.append((n, str(ext), rec["value"]))
            ids = items_q.ids_by_external_id(conn, project_id, [ext for _, ext, _ in wanted])
            rows: list[dict[str, Any]] = []
            for n, ext, value in wanted:
                item_id = ids.get(ext)
                if item_id is None:
                    raise InvalidRecord(
                        f"no item {ext!r} in this project", field="external_id", record=n
                    )
                item = items_q.item_for_project(conn, project_id, item_id)
                assert item is not None
                try:
                    clean = project.schema.check(value, item.data)
                except InvalidRecord as exc:
                    raise exc.under("value").in_record(n) from None
                rows.append(
                    {
                        "item_id": item_id,
                        "project_id": project_id,
                        "value": clean,
                        "created_by": caller.user_id,
                        "created_at": now,
                    }
                )
            q.save_gold(conn, rows)
            # Gold items leave the overlap: every worker sees each once, and their final
            # label is the gold value.
            queue_q.mark_gold(conn, project_id, [r["item_id"] for r in rows])
            for r in rows:
                resolutions_q.save_resolution(
                    conn,
                    item_id=r["item_id"],
                    project_id=project_id,
                    value=r["value"],
                    confidence=1.0,
                    method="gold",
                    source="gold",
                    n_annotations=0,
                    now=now,
                )
            audit.record(conn, caller, "gold.upload", "project", project_id, count=len(rows))
        return len(rows)
