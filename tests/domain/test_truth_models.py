"""Fitted models: incremental posteriors, JSON storage, and per-field inference on a schema."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.factories.synthetic_crowds import synthetic_crowd
from veracity.domain.label_schema import LabelSchema
from veracity.domain.truth import (
    Answers,
    FittedModel,
    Method,
    Source,
    fit_fields,
    infer,
    resolve_item,
)


def _named(seed: int) -> tuple[Answers, np.ndarray]:
    """A synthetic crowd with names, as a CSV would give it."""
    crowd = synthetic_crowd(seed=seed, n_items=300, spammers=0.2, adversaries=0.1)
    a = crowd.answers
    rows = [
        (f"item{i}", f"w{w}", "abc"[lab])
        for i, w, lab in zip(a.items.tolist(), a.workers.tolist(), a.labels.tolist(), strict=True)
    ]
    return Answers.encode(rows, classes=["a", "b", "c"]), crowd.truth


def _annotations_of(answers: Answers, item: int) -> list[tuple[str, str]]:
    mask = answers.items == item
    return [
        (answers.worker_names[w], answers.class_names[lab])
        for w, lab in zip(answers.workers[mask], answers.labels[mask], strict=True)
    ]


@pytest.mark.parametrize(
    "method", [m for m in Method if m is not Method.glad], ids=lambda m: m.value
)
def test_incremental_posterior_matches_the_full_fit(method: Method) -> None:
    answers, _ = _named(1)
    result = infer(answers, method)
    for item in (0, 17, 123):
        posterior = result.model.posterior(_annotations_of(answers, item))
        assert posterior.label == answers.class_names[result.labels[item]]
        assert posterior.confidence == pytest.approx(result.confidence[item], abs=1e-9)
        assert list(posterior.probabilities.values()) == pytest.approx(
            result.posterior[item].tolist(), abs=1e-9
        )


def test_glad_resolves_new_items_at_the_typical_difficulty() -> None:
    answers, _ = _named(2)
    result = infer(answers, Method.glad)
    agree = sum(
        result.model.posterior(_annotations_of(answers, item)).label
        == answers.class_names[result.labels[item]]
        for item in range(100)
    )
    assert agree >= 90


@pytest.mark.parametrize("method", list(Method), ids=lambda m: m.value)
def test_models_survive_json(method: Method) -> None:
    answers, _ = _named(3)
    model = infer(answers, method).model
    stored = json.loads(json.dumps(model.to_json()))
    loaded = FittedModel.from_json(stored)
    assert loaded.method is method
    assert loaded.classes == model.classes
    assert loaded.workers == model.workers
    assert loaded.temperature == pytest.approx(model.temperature, rel=1e-5)
    annotations = _annotations_of(answers, 5)
    assert loaded.posterior(annotations).label == model.posterior(annotations).label
    assert loaded.posterior(annotations).confidence == pytest.approx(
        model.posterior(annotations).confidence, abs=1e-4
    )


def test_unknown_workers_count_as_typical_and_unknown_labels_are_ignored() -> None:
    answers, _ = _named(4)
    model = infer(answers, Method.dawid_skene).model
    newcomer = model.posterior([("someone-new", "b")])
    assert newcomer.label == "b"
    assert 0.34 < newcomer.confidence < 1.0
    assert model.posterior([("someone-new", "b"), ("w1", "no-such-class")]) == newcomer
    # No usable annotation at all: the class prior decides.
    assert model.posterior([]).label in model.classes


def test_a_stored_model_of_another_version_is_refused() -> None:
    answers, _ = _named(5)
    stored = infer(answers, Method.majority_vote).model.to_json()
    with pytest.raises(ValueError, match="unknown model format version 99"):
        FittedModel.from_json({**stored, "version": 99})


# -- schemas ---------------------------------------------------------------------------------

SCHEMA = LabelSchema.parse(
    {
        "fields": [
            {"name": "topic", "kind": "choice", "options": ["sport", "politics", "science"]},
            {"name": "stars", "kind": "rating", "min": 1, "max": 3},
            {"name": "note", "kind": "text", "required": False},
        ]
    }
)


def _project_annotations() -> list[tuple[int, str, dict[str, object]]]:
    """Three reliable workers and one who always answers 'sport' and 1 star."""
    truth_topic = ["sport", "politics", "science"]
    rows: list[tuple[int, str, dict[str, object]]] = []
    for item in range(60):
        topic, stars = truth_topic[item % 3], 1 + (item // 3) % 3
        for worker in ("ann", "bob", "cat"):
            # Each reliable worker slips on a different item in five.
            slip = (item + ("ann", "bob", "cat").index(worker)) % 5 == 0
            value = {
                "topic": truth_topic[(item + 1) % 3] if slip else topic,
                "stars": stars,
                "note": "fine",
            }
            rows.append((item, worker, value))
        rows.append((item, "spam", {"topic": "sport", "stars": 1}))
    return rows


def test_fit_fields_fits_each_categorical_field() -> None:
    fits = fit_fields(SCHEMA, _project_annotations(), gold={0: {"topic": "sport"}})
    assert set(fits) == {"topic", "stars"}
    topic = fits["topic"]
    assert topic.model.classes == ("sport", "politics", "science")
    assert fits["stars"].model.classes == ("1", "2", "3")
    spam = topic.model.workers.index("spam")
    ann = topic.model.workers.index("ann")
    # The one-option spammer is seen as unreliable, whatever model auto chose.
    scores = topic.model.annotation_loglik(np.array([spam, ann]), np.array([0, 0]))
    assert scores[0].max() - scores[0].min() < scores[1].max() - scores[1].min()


def test_resolve_item_uses_the_models_and_falls_back_per_kind() -> None:
    fits = fit_fields(SCHEMA, _project_annotations(), method=Method.dawid_skene)
    models = {name: fit.model for name, fit in fits.items()}
    values: list[tuple[str, dict[str, object]]] = [
        ("ann", {"topic": "science", "stars": 3, "note": "good"}),
        ("spam", {"topic": "sport", "stars": 1, "note": "Good "}),
        ("newcomer", {"topic": "sport", "stars": 3}),
    ]
    resolved = resolve_item(SCHEMA, values, models)
    # Two votes to one for "sport", but one is the spammer's: the model sides with ann.
    assert resolved.value["topic"] == "science"
    assert resolved.method is Method.dawid_skene
    assert resolved.source is Source.consensus
    assert resolved.value["stars"] == 3
    assert isinstance(resolved.value["stars"], int)
    assert resolved.value["note"] == "good"  # text: its own vote, ignoring case and spaces
    assert 0 < resolved.confidence <= 1
    # Without models every field votes, as before.
    plain = resolve_item(SCHEMA, values, {})
    assert plain.method is Method.majority_vote
    assert plain.value["topic"] == "sport"
