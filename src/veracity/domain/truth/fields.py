"""Truth inference on a project's label schema: one model per categorical field.

A ``choice`` field's options and a ``rating`` field's scale steps are classes; each such
field gets its own fitted model (a worker can be reliable on one field and careless on
another). Every other kind (texts, multi-choice…) keeps its own vote
(:meth:`FieldKind.combine`).

The services use it in two ways:

- the full fit, as a job: :func:`fit_fields` over all of a project's annotations and gold,
  whose models are stored (``FittedModel.to_json``);
- on each submission, :func:`resolve_item` with the stored models: one item's resolution
  from its own annotations, without refitting.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

from veracity.domain.label_schema import LabelSchema
from veracity.domain.schema_kinds import FieldKind
from veracity.domain.schema_kinds.choice import ChoiceField
from veracity.domain.schema_kinds.rating import RatingField
from veracity.domain.truth.answers import Answers
from veracity.domain.truth.fitted import FittedModel
from veracity.domain.truth.inference import Choice, Inference, infer
from veracity.domain.truth.resolution import Method, Resolved, Source


def classes_of(field: FieldKind) -> list[str] | None:
    """The classes of a categorical field, as text; ``None`` for other kinds."""
    if isinstance(field, ChoiceField):
        return list(field.options)
    if isinstance(field, RatingField):
        return [str(v) for v in range(field.min, field.max + 1)]
    return None


def _as_class(field: FieldKind, value: Any) -> str:
    return str(value)


def _from_class(field: FieldKind, label: str) -> Any:
    return int(label) if isinstance(field, RatingField) else label


def fit_fields(
    schema: LabelSchema,
    annotations: Iterable[tuple[Hashable, Hashable, Mapping[str, Any]]],
    gold: Mapping[Hashable, Mapping[str, Any]] | None = None,
    method: Choice = "auto",
) -> dict[str, Inference]:
    """Fit one model per categorical field from ``(item, worker, value)`` annotations.

    Items and workers are any hashable ids (stored as text in the models). A value that
    leaves a field empty says nothing about that field.
    """
    rows = list(annotations)
    out: dict[str, Inference] = {}
    for field in schema.fields:
        classes = classes_of(field)
        if classes is None:
            continue
        triples = [
            (str(item), str(worker), _as_class(field, value[field.name]))
            for item, worker, value in rows
            if value.get(field.name) is not None
        ]
        if not triples:
            continue
        field_gold = {
            str(item): _as_class(field, value[field.name])
            for item, value in (gold or {}).items()
            if value.get(field.name) is not None
        }
        answers = Answers.encode(triples, gold=field_gold, classes=classes)
        out[field.name] = infer(answers, method)
    return out


def resolve_item(
    schema: LabelSchema,
    annotations: Sequence[tuple[Hashable, Mapping[str, Any]]],
    models: Mapping[str, FittedModel],
) -> Resolved:
    """One item's resolution from its ``(worker, value)`` annotations and fitted models.

    Fields with a model take its calibrated posterior; the others combine by their kind's
    vote. The item's confidence is its weakest field's; its method is the models' when any
    field used one.
    """
    if not annotations:
        raise ValueError("resolve_item needs at least one annotation")
    final: dict[str, Any] = {}
    confidence = 1.0
    method = Method.majority_vote
    for field in schema.fields:
        given = [(w, v[field.name]) for w, v in annotations if v.get(field.name) is not None]
        if not given:
            continue
        model = models.get(field.name)
        if model is not None:
            posterior = model.posterior((str(w), _as_class(field, v)) for w, v in given)
            final[field.name] = _from_class(field, posterior.label)
            confidence = min(confidence, posterior.confidence)
            method = model.method
        else:
            consensus = field.combine([v for _, v in given])
            final[field.name] = consensus.value
            confidence = min(confidence, consensus.confidence)
    source = Source.human if len(annotations) == 1 else Source.consensus
    return Resolved(final, round(confidence, 6), method, source)
