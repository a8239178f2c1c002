"""A project's quality report: agreement per field, and each worker against the reference."""

from __future__ import annotations

from typing import Any

from veracity.domain.agreement import (
    Agreement,
    ConfusionMatrix,
    FieldAgreement,
    Statistic,
    project_agreement,
)
from veracity.domain.caller import Caller
from veracity.domain.roles import Permission
from veracity.services.projects import require_project
from veracity.storage.db import Database
from veracity.storage.queries import annotations as annotations_q
from veracity.storage.queries import resolutions as resolutions_q

# The report lists at most this many worker pairs (lowest kappa first: where to look).
MAX_PAIRS = 50


class QualityService:
    """Use cases about how reliable a project's labels are."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def report(self, caller: Caller, project_id: int) -> dict[str, Any]:
        """Agreement per field and each worker's accuracy against the reference labels (gold
        where there is one, the resolution otherwise), every figure with its counts."""
        caller.require(Permission.read_stats)
        with self.db.read(snapshot=True) as conn:
            project = require_project(conn, caller, project_id)
            answers = [
                (row.item_id, row.worker or "unknown", row.value)
                for row in annotations_q.project_answers(conn, project_id)
            ]
            references = resolutions_q.references(conn, project_id)
        fields = project_agreement(project.schema, answers, references)
        return {
            "project_id": project_id,
            "annotations": len(answers),
            "items_with_reference": len(references),
            "fields": [_field(f) for f in fields.values()],
        }


def _statistic(stat: Statistic) -> dict[str, Any]:
    return {
        "value": None if stat.value is None else round(stat.value, 6),
        "items": stat.items,
        "annotations": stat.annotations,
        "reason": stat.reason or None,
    }


def _matrix(matrix: ConfusionMatrix | None) -> dict[str, Any] | None:
    if matrix is None:
        return None
    return {"labels": [str(x) for x in matrix.labels], "counts": [list(r) for r in matrix.counts]}


def _agreement(summary: Agreement) -> dict[str, Any]:
    pairs = sorted(
        summary.cohen,
        key=lambda p: (p.kappa.value is None, p.kappa.value if p.kappa.value is not None else 0),
    )
    return {
        "level": summary.level,
        "alpha": _statistic(summary.alpha),
        "fleiss_kappa": _statistic(summary.fleiss_kappa),
        "observed": _statistic(summary.observed),
        "co_occurrence": _matrix(summary.pairs),
        "against_reference": _matrix(summary.reference),
        "workers": [
            {
                "worker": str(w.worker),
                "compared": w.compared,
                "correct": w.correct,
                "accuracy": round(w.accuracy, 6),
                "confusion": _matrix(w.confusion),
            }
            for w in sorted(summary.workers, key=lambda w: str(w.worker))
        ],
        "cohen": [
            {
                "worker_a": str(p.worker_a),
                "worker_b": str(p.worker_b),
                "kappa": _statistic(p.kappa),
                "observed": round(p.observed, 6),
            }
            for p in pairs[:MAX_PAIRS]
        ],
    }


def _field(field: FieldAgreement) -> dict[str, Any]:
    return {
        "name": field.name,
        "kind": field.kind,
        "compared": field.compared,
        **_agreement(field.summary),
        "options": {name: _agreement(a) for name, a in field.options.items()},
    }
