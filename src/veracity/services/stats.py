"""A project's figures: progress and quality at a glance."""

from __future__ import annotations

from typing import Any

from veracity.domain.caller import Caller
from veracity.domain.roles import Permission
from veracity.services.projects import require_project
from veracity.storage.db import Database
from veracity.storage.queries import gold as gold_q
from veracity.storage.queries import items as items_q
from veracity.storage.queries import stats as q

LOW_CONFIDENCE = 0.7


class StatsService:
    """Use cases about how a project is going."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def project_stats(self, caller: Caller, project_id: int) -> dict[str, Any]:
        """Counts of items by state, annotations, leases and resolution quality."""
        caller.require(Permission.read_stats)
        with self.db.read(snapshot=True) as conn:
            project = require_project(conn, caller, project_id)
            states = items_q.state_counts(conn, project_id)
            work = q.annotation_counts(conn, project_id)
            leased = q.leased_count(conn, project_id)
            quality = q.resolution_summary(conn, project_id, LOW_CONFIDENCE)
            gold = gold_q.gold_count(conn, project_id)
        total = sum(states.values())
        done = states.get("done", 0)
        return {
            "project_id": project.id,
            "items": {
                "total": total,
                "open": states.get("open", 0),
                "in_progress": states.get("full", 0),
                "done": done,
                "gold": gold,
            },
            "progress": round(done / total, 4) if total else 0.0,
            "annotations": work["annotations"],
            "annotators": work["annotators"],
            "hours_worked": round(work["seconds"] / 3600, 3),
            "leased": leased,
            "quality": {**quality, "low_confidence_below": LOW_CONFIDENCE},
        }
