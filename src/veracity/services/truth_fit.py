"""Refitting a project's truth model from all of its annotations, and re-resolving it.

What a refit does, as a job:

1. reads, in one snapshot, every current label annotation, the gold values and the items
   resolved so far;
2. fits one model per categorical field (:func:`veracity.domain.truth.fit_fields`, with
   gold as known truth and the project's ``truth_method``);
3. resolves every resolved item again through the new models, in memory;
4. writes it all in **one** transaction: the new model, every resolution, the job's end.

A crash or a failure before step 4 leaves the old model and the old resolutions as they
were. A submission that changed an item while the refit ran is not overwritten with a stale
answer: resolutions are only rewritten while their item still has the annotations they were
computed from, and the others are resolved again, inside the final transaction, from their
current annotations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from veracity.domain.truth import Choice, FittedModel, Method, fit_fields
from veracity.services.projects import Project
from veracity.services.resolving import (
    Answer,
    TruthModels,
    resolve_answers,
    resolve_with,
    worker_of,
)
from veracity.storage.db import Database
from veracity.storage.queries import truth_models as q
from veracity.storage.types import utcnow

# (done, total, what is happening now)
Report = Callable[[int, int, str], None]
# Called inside the final transaction, before it commits; raising rolls everything back.
Finish = Callable[[Connection, dict[str, Any]], None]
REPORT_EVERY = 500


def method_choice(truth_method: str) -> Choice:
    """The workflow's ``truth_method`` as :func:`fit_fields` takes it."""
    return "auto" if truth_method == "auto" else Method(truth_method)


def refit(
    db: Database,
    truth: TruthModels,
    project: Project,
    *,
    job_id: int | None,
    report: Report,
    finish: Finish,
) -> dict[str, Any]:
    """Fit the project's models on everything, re-resolve every item, store both; return
    what was done (also handed to ``finish`` inside the final transaction)."""
    with db.read(snapshot=True) as conn:
        rows = q.fit_annotations(conn, project.id)
        gold = q.gold_values(conn, project.id)
        targets = q.resolved_items(conn, project.id)
    categorical = [f.name for f in project.schema.fields if f.kind_name in ("choice", "rating")]
    total = len(categorical) + len(targets)
    report(0, total, f"fitting {len(rows)} annotations")

    by_item: dict[int, list[Answer]] = defaultdict(list)
    triples = []
    for r in rows:
        worker = worker_of(r.user_id, r.external_worker)
        by_item[int(r.item_id)].append((worker, r.value))
        triples.append((int(r.item_id), worker, r.value))
    fits = fit_fields(
        project.schema,
        triples,
        gold=gold,
        method=method_choice(project.workflow.truth_method),
    )
    del triples
    models: dict[str, FittedModel] = {name: fit.model for name, fit in fits.items()}
    summary = {
        name: {
            "method": fit.method.value,
            "criterion": fit.criterion or None,
            "criteria": {m.value: round(float(s), 4) for m, s in fit.criteria.items()},
            "workers": len(fit.model.workers),
            "classes": list(fit.model.classes),
            "temperature": round(float(fit.model.temperature), 4),
        }
        for name, fit in fits.items()
    }
    done = len(categorical)
    report(done, total, "resolving items")

    now = utcnow()
    updates: list[dict[str, Any]] = []
    for n, (item_id, _) in enumerate(sorted(targets.items()), start=1):
        answers = by_item.get(item_id)
        if answers:
            resolved = resolve_answers(project, answers, models)
            updates.append(
                {
                    "b_item_id": item_id,
                    "b_seen": len(answers),
                    "b_value": resolved.value,
                    "b_confidence": resolved.confidence,
                    "b_method": resolved.method.value,
                    "b_source": resolved.source.value,
                    "b_now": now,
                }
            )
        if n % REPORT_EVERY == 0:
            report(done + n, total, "resolving items")
    report(total, total, "saving")

    result: dict[str, Any] = {
        "annotations_seen": len(rows),
        "items_resolved": len(updates),
        "methods": {name: s["method"] for name, s in summary.items()},
    }
    with db.write() as conn:
        model_id = q.store_model(
            conn,
            {
                "org_id": project.org_id,
                "project_id": project.id,
                "truth_method": project.workflow.truth_method,
                "models": {name: m.to_json() for name, m in models.items()},
                "summary": summary,
                "annotations_seen": len(rows),
                "last_annotation_id": max((int(r.id) for r in rows), default=0),
                "items_resolved": len(updates),
                "fitted_at": now,
                "job_id": job_id,
            },
        )
        q.update_resolutions(conn, updates)
        # Items whose annotations changed while the refit ran, resolved from what they
        # have now (still under the new models).
        for item_id in q.not_updated_since(conn, project.id, now):
            resolve_with(conn, project, item_id, models)
        result["model_id"] = model_id
        finish(conn, result)
    truth.forget(project.id)
    return result
