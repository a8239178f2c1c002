"""Agreement per field of a project: how each kind's answers are compared, and every figure.

- ``choice``: nominal; the matrices list every option, in schema order.
- ``rating``: the scale's numbers; alpha at the interval level by default (ordinal if asked),
  Cohen's kappa quadratic-weighted, observed agreement and matrices by exact value.
- ``multi_choice``: every option is a yes/no question about each item (as the majority vote
  resolves it, option by option). ``summary`` pools all (item, option) decisions into one
  binary question; ``options`` has each option on its own.
- ``text``, and any kind without a rule here: two answers agree when the kind's ``vote_key``
  makes them equal (text: ignoring case and runs of whitespace); nominal, no matrices since
  every distinct answer would be a row.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from veracity.domain.agreement.alpha import krippendorff_alpha
from veracity.domain.agreement.confusion import against_reference, co_occurrence
from veracity.domain.agreement.kappa import cohen_kappas, fleiss_kappa, observed_agreement
from veracity.domain.agreement.ratings import Codes, Layout, Ratings, latest_answers, split_keys
from veracity.domain.agreement.results import Agreement, FieldAgreement, Level
from veracity.domain.label_schema import LabelSchema
from veracity.domain.schema_kinds import FieldKind
from veracity.domain.schema_kinds.choice import ChoiceField
from veracity.domain.schema_kinds.multi_choice import MultiChoiceField
from veracity.domain.schema_kinds.rating import RatingField

FieldAnswer = tuple[Hashable, Hashable, Any]
"""``(item_id, worker_id, value of the field)``."""

ProjectAnswer = tuple[Hashable, Hashable, Mapping[str, Any]]
"""``(item_id, worker_id, annotation value)``: the whole value, keyed by field name."""

DEFAULT_MIN_SHARED_ITEMS = 20
CHOSEN = ("not chosen", "chosen")


def project_agreement(
    schema: LabelSchema,
    annotations: Iterable[ProjectAnswer],
    references: Mapping[Hashable, Mapping[str, Any]] | None = None,
    *,
    min_shared_items: int = DEFAULT_MIN_SHARED_ITEMS,
    rating_level: Level = "interval",
) -> dict[str, FieldAgreement]:
    """Agreement on every field of ``schema``, by field name.

    ``references`` maps an item to its reference value (gold, or the resolution); a field it
    leaves out, like a field an annotation leaves empty, is not compared.
    """
    rows = list(annotations)
    refs = references or {}
    return {
        field.name: field_agreement(
            field,
            ((item, worker, value.get(field.name)) for item, worker, value in rows),
            {item: value.get(field.name) for item, value in refs.items()},
            min_shared_items=min_shared_items,
            rating_level=rating_level,
        )
        for field in schema.fields
    }


def field_agreement(
    field: FieldKind,
    answers: Iterable[FieldAnswer],
    references: Mapping[Hashable, Any] | None = None,
    *,
    min_shared_items: int = DEFAULT_MIN_SHARED_ITEMS,
    rating_level: Level = "interval",
) -> FieldAgreement:
    """Every agreement figure for one field, from ``(item_id, worker_id, value)`` answers.

    ``None`` values (an optional field left empty) are skipped. When a worker answered an item
    twice, the last answer counts. ``references`` maps item ids to reference values (gold or
    resolved); Cohen's kappa is given for pairs of workers with ``min_shared_items`` or more
    items in common.
    """
    given = [(i, w, v) for i, w, v in answers if v is not None]
    refs = {i: v for i, v in (references or {}).items() if v is not None}
    if isinstance(field, MultiChoiceField):
        return _multi_choice(field, given, refs, min_shared_items)
    if isinstance(field, ChoiceField):
        ratings = Ratings.code(given, refs, labels=field.options)
        return FieldAgreement(
            name=field.name,
            kind=field.kind_name,
            compared="Two answers agree when they are the same option.",
            summary=agreement(ratings, min_shared_items=min_shared_items),
        )
    if isinstance(field, RatingField):
        ratings = Ratings.code(
            ((i, w, int(v)) for i, w, v in given),
            {i: int(v) for i, v in refs.items()},
            labels=range(field.min, field.max + 1),
            numeric=True,
        )
        return FieldAgreement(
            name=field.name,
            kind=field.kind_name,
            compared=(
                f"Scores are numbers: alpha is at the {rating_level} level and Cohen's kappa "
                "is quadratic-weighted, so near misses count less than far ones; observed "
                "agreement and the matrices count exact scores."
            ),
            summary=agreement(
                ratings, level=rating_level, min_shared_items=min_shared_items, quadratic=True
            ),
        )
    ratings = Ratings.code(
        ((i, w, field.vote_key(v)) for i, w, v in given),
        {i: field.vote_key(v) for i, v in refs.items()},
    )
    return FieldAgreement(
        name=field.name,
        kind=field.kind_name,
        compared=(
            "Two answers agree when they are equal after the kind's normalisation "
            "(text: ignoring case and runs of whitespace)."
        ),
        summary=agreement(ratings, min_shared_items=min_shared_items, matrices=False),
    )


def agreement(
    ratings: Ratings,
    *,
    level: Level = "nominal",
    min_shared_items: int = DEFAULT_MIN_SHARED_ITEMS,
    quadratic: bool = False,
    matrices: bool = True,
) -> Agreement:
    """Every figure for one coded question (see :class:`Agreement`)."""
    reference, workers = against_reference(ratings, matrices=matrices)
    return Agreement(
        level=level,
        alpha=krippendorff_alpha(ratings, level),
        fleiss_kappa=fleiss_kappa(ratings),
        observed=observed_agreement(ratings),
        pairs=co_occurrence(ratings) if matrices else None,
        cohen=cohen_kappas(ratings, min_shared_items=min_shared_items, quadratic=quadratic),
        reference=reference,
        workers=workers,
    )


def _multi_choice(
    field: MultiChoiceField,
    given: list[FieldAnswer],
    refs: Mapping[Hashable, Any],
    min_shared_items: int,
) -> FieldAgreement:
    """Each option a yes/no question; the summary pools every (item, option) decision."""
    latest = latest_answers(given)
    items, workers = Codes(), Codes()
    item_keys, worker_keys = split_keys(latest)
    item, worker = items.codes(item_keys), workers.codes(worker_keys)
    options = field.options
    column = {option: k for k, option in enumerate(options)}
    chosen = _chosen(latest.values(), column, len(latest)).astype(np.intp)
    layout, order = Layout.sort(item, worker, len(items.index), workers.keys())
    if order is not None:
        chosen = chosen[order]
    referenced = [(items.index[i], v) for i, v in refs.items() if i in items.index]
    reference = np.full((layout.n_items, len(options)), -1, dtype=np.intp)
    if referenced:
        at = np.array([i for i, _ in referenced], dtype=np.intp)
        reference[at] = _chosen((v for _, v in referenced), column, len(referenced))
    pooled = Ratings(layout, chosen, CHOSEN, reference)
    per_option = {
        option: agreement(pooled.column(j), min_shared_items=min_shared_items)
        for j, option in enumerate(options)
    }
    return FieldAgreement(
        name=field.name,
        kind=field.kind_name,
        compared=(
            "Each option is a yes/no question about each item. The summary pools every "
            "(item, option) decision; the options list each on its own. Worker counts are "
            "decisions."
        ),
        summary=agreement(pooled, min_shared_items=min_shared_items),
        options=per_option,
    )


def _chosen(selections: Iterable[Any], column: Mapping[str, int], n: int) -> npt.NDArray[np.bool_]:
    """A boolean (answers x options) matrix of which options each answer ticked."""
    rows: list[int] = []
    cols: list[int] = []
    for row, selection in enumerate(selections):
        for option in selection:
            col = column.get(option)
            if col is not None:
                rows.append(row)
                cols.append(col)
    chosen = np.zeros((n, len(column)), dtype=bool)
    chosen[rows, cols] = True
    return chosen
