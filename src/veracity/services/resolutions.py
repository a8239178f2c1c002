"""Reading resolutions: the final value of each item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from veracity.domain.caller import Caller
from veracity.domain.roles import Permission
from veracity.services.projects import require_project
from veracity.storage.db import Database
from veracity.storage.queries import resolutions as q

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class ResolutionPage:
    """One page of resolutions and the cursor of the next page (None at the end)."""

    resolutions: list[dict[str, Any]]
    next_cursor: int | None


class ResolutionService:
    """Use cases about final labels."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def page(
        self, caller: Caller, project_id: int, cursor: int = 0, limit: int = 100
    ) -> ResolutionPage:
        """Resolutions in item order, after item id ``cursor``."""
        caller.require(Permission.read_results)
        limit = max(1, min(limit, MAX_PAGE))
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            rows = q.page(conn, project_id, cursor, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return ResolutionPage(
            resolutions=[
                {
                    "item_id": r.item_id,
                    "external_id": r.external_id,
                    "value": r.value,
                    "confidence": r.confidence,
                    "method": r.method,
                    "source": r.source,
                    "n_annotations": r.n_annotations,
                    "updated_at": r.updated_at,
                }
                for r in rows
            ],
            next_cursor=int(rows[-1].item_id) if more else None,
        )
