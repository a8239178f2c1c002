"""Finding resolved items whose label is probably wrong, field by field.

For each categorical field (``choice``, and ``rating`` as categories) of the project's
schema: the resolved label of every item, its annotators' votes, and, where the items carry
text, the out-of-sample predictions of the built-in text model trained on the resolved
labels themselves. :func:`veracity.domain.label_errors.likely_label_errors` weighs the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection

from veracity.domain.truth.fields import classes_of
from veracity.services.projects import Project
from veracity.services.review import request_review
from veracity.services.truth_fit import Finish, Report
from veracity.storage.db import Database
from veracity.storage.queries import annotations as annotations_q
from veracity.storage.queries import label_errors as label_errors_q

# Fewer resolved items than this in a field: too little to learn a model from, so only the
# votes speak (and with single votes, nothing is flagged).
MIN_ITEMS_FOR_MODEL = 30

Progress = Callable[[int, int], None]
# The result of a job lists at most this many flagged items (the review queue has them all).
RESULT_ITEMS = 100


@dataclass(frozen=True, slots=True)
class FlaggedLabel:
    """A resolved item's field whose label the evidence says is probably wrong."""

    item_id: int
    external_id: str | None
    field: str
    label: Any
    suggested: Any
    quality: float

    def reason(self) -> str:
        """One line for a reviewer: what is suspect and what the evidence favours."""
        return (
            f"likely label error in {self.field!r}: resolved {self.label!r}, "
            f"the evidence favours {self.suggested!r} (label quality {self.quality:.2f})"
        )


def find_likely_errors(
    conn: Connection, project: Project, progress: Progress | None = None
) -> list[FlaggedLabel]:
    """Every likely label error of the project, worst first within each field."""
    rows = label_errors_q.resolved_items(conn, project.id)
    votes_by_item: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for answer in annotations_q.project_answers(conn, project.id):
        votes_by_item[int(answer.item_id)].append(answer.value)
    fields = [(f, classes_of(f)) for f in project.schema.fields]
    categorical = [(f, c) for f, c in fields if c is not None and len(c) >= 2]
    flagged: list[FlaggedLabel] = []
    for done, (field, classes) in enumerate(categorical):
        flagged += _field_errors(rows, votes_by_item, field.name, classes)
        if progress:
            progress(done + 1, len(categorical))
    return flagged


def _field_errors(
    rows: list[Any],
    votes_by_item: dict[int, list[dict[str, Any]]],
    name: str,
    classes: list[str],
) -> list[FlaggedLabel]:
    # Imported here, not at module level: scikit-learn (with pandas and scipy.stats) takes
    # about two seconds to import, which every `veracity` command and server start would pay
    # for a job most of them never run.
    from veracity.domain.label_errors import likely_label_errors
    from veracity.domain.models import TextClassifier, item_text, out_of_sample_probabilities

    index = {c: i for i, c in enumerate(classes)}
    kept: list[Any] = []
    labels: list[int] = []
    votes: list[list[float]] = []
    for row in rows:
        resolved = row.value.get(name) if isinstance(row.value, dict) else None
        if resolved is None or str(resolved) not in index:
            continue
        counts = [0.0] * len(classes)
        for value in votes_by_item.get(int(row.id), []):
            answer = value.get(name) if isinstance(value, dict) else None
            if answer is not None and str(answer) in index:
                counts[index[str(answer)]] += 1
        if not any(counts):
            # Resolved without votes on this field (e.g. by a model): its label is its
            # only vote, which says nothing about itself but lets the model weigh in.
            counts[index[str(resolved)]] = 1.0
        kept.append(row)
        labels.append(index[str(resolved)])
        votes.append(counts)
    if len(kept) < 2:
        return []
    label_array = np.array(labels, dtype=np.int64)
    vote_array = np.array(votes, dtype=np.float64)
    model = None
    texts = [row.data for row in kept]
    if len(kept) >= MIN_ITEMS_FOR_MODEL and any(item_text(d) for d in texts):
        model = out_of_sample_probabilities(TextClassifier, texts, label_array, len(classes))
    if model is None and not np.any(vote_array.sum(axis=1) >= 2):
        return []
    return [
        FlaggedLabel(
            item_id=int(kept[e.index].id),
            external_id=kept[e.index].external_id,
            field=name,
            label=kept[e.index].value.get(name),
            suggested=_typed(kept[e.index].value.get(name), classes[e.suggested]),
            quality=e.quality,
        )
        for e in likely_label_errors(label_array, vote_array, model)
    ]


def _typed(example: Any, label: str) -> Any:
    """A class name back as the field's own type (ratings are integers)."""
    return int(label) if isinstance(example, int) and not isinstance(example, bool) else label


def flag_label_errors(db: Database, project: Project, *, report: Report, finish: Finish) -> None:
    """The ``label_errors`` job: find the likely errors from one snapshot, then, in one
    transaction, send every flagged item to review and end the job with what was found."""
    report(0, 1, "reading resolutions and annotations")
    with db.read(snapshot=True) as conn:
        fields = sum(1 for f in project.schema.fields if classes_of(f))

        def progress(done: int, total: int) -> None:
            report(done, total + 1, f"checked {done} of {total} fields")

        flagged = find_likely_errors(conn, project, progress)
    report(fields, fields + 1, f"sending {len(flagged)} items to review")
    with db.write() as conn:
        sent = send_to_review(conn, project, flagged)
        finish(
            conn,
            {
                "flagged": len(flagged),
                "sent_to_review": sent,
                "fields_checked": fields,
                "items": [
                    {
                        "item_id": f.item_id,
                        "external_id": f.external_id,
                        "field": f.field,
                        "label": f.label,
                        "suggested": f.suggested,
                        "quality": f.quality,
                    }
                    for f in flagged[:RESULT_ITEMS]
                ],
            },
        )


def send_to_review(conn: Connection, project: Project, flagged: list[FlaggedLabel]) -> int:
    """Queue a review of each flagged item (once per item, whatever its fields); how many
    were queued. The reason shown to the reviewer is the item's worst flag."""
    worst: dict[int, FlaggedLabel] = {}
    for flag in flagged:
        if flag.item_id not in worst or flag.quality < worst[flag.item_id].quality:
            worst[flag.item_id] = flag
    return sum(
        request_review(conn, project, [item_id], flag.reason()) for item_id, flag in worst.items()
    )
