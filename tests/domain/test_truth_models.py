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
from veracity.domain.truth.inference import FITTERS


def _named(
    seed: int, *, n_items: int = 300, adversaries: float = 0.1
) -> tuple[Answers, np.ndarray]:
    """A synthetic crowd with names, as a CSV would give it."""
    crowd = synthetic_crowd(seed=seed, n_items=n_items, spammers=0.2, adversaries=adversaries)
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


# -- storage and incremental resolution, against the full fit ----------------------------------


@pytest.mark.parametrize("method", list(Method), ids=lambda m: m.value)
def test_a_stored_model_gives_the_posteriors_of_the_fit(method: Method) -> None:
    answers, _ = _named(6)
    result = infer(answers, method)
    loaded = FittedModel.from_json(json.loads(json.dumps(result.model.to_json())))
    # GLAD's fit knows each item's difficulty, which a stored model does not: compare it
    # with the model in memory; every other method with the fit itself.
    for item in range(0, 300, 7):
        annotations = _annotations_of(answers, item)
        expected = (
            list(result.model.posterior(annotations).probabilities.values())
            if method is Method.glad
            else result.posterior[item].tolist()
        )
        got = loaded.posterior(annotations)
        assert list(got.probabilities.values()) == pytest.approx(expected, abs=1e-4), item
        assert got.label == answers.class_names[int(np.argmax(expected))]


@pytest.mark.parametrize("method", [Method.one_coin, Method.mace], ids=lambda m: m.value)
def test_a_new_item_resolves_as_a_full_fit_with_it_would(method: Method) -> None:
    # (Full Dawid-Skene is left out: with 3x3 matrices from 100 answers a worker, ten more
    # items move its fixed point by more than a tolerance that would still test anything.)
    # The fits themselves (temperature 1): each calibration has its own held-out noise.
    # A crowd whose fit is stable (no adversaries, 100 answers per worker): the point is
    # the incremental arithmetic, not how EM moves when ten items are added.
    answers, _ = _named(7, n_items=600, adversaries=0.0)
    new_items = np.arange(answers.n_items) >= answers.n_items - 10
    before = FITTERS[method](answers.subset(~new_items, keep_gold=False), None).model
    after = FITTERS[method](answers, None).posterior
    for item in np.flatnonzero(new_items):
        incremental = before.posterior(_annotations_of(answers, int(item)))
        assert list(incremental.probabilities.values()) == pytest.approx(
            after[item].tolist(), abs=0.05
        ), item
        assert incremental.label == answers.class_names[int(np.argmax(after[item]))]


def test_an_unknown_worker_counts_as_the_populations_typical_worker() -> None:
    answers, _ = _named(8)
    model = infer(answers, Method.one_coin).model
    typical = len(model.workers)  # the row the fit keeps for workers it never saw
    scores = model.log_prior + model.annotation_loglik(np.array([typical]), np.array([1]))[0]
    expected = model.calibrated(scores[None])[0]
    got = model.posterior([("someone-new", "b")])
    assert list(got.probabilities.values()) == pytest.approx(expected.tolist(), abs=1e-12)
    # The typical worker is the crowd's, not a copy of any one worker: a known worker's
    # single answer weighs differently.
    assert model.posterior([("w0", "b")]).confidence != pytest.approx(got.confidence)


# -- gold as known truth -----------------------------------------------------------------------


def test_a_worker_who_contradicts_gold_is_down_weighted() -> None:
    # Two careful workers; three who answer the same wrong class together, a majority that
    # the answers alone cannot tell from the truth. Gold on a third of the items can (up to
    # the careful two disagreeing, about one item in six).
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, size=90)
    rows: list[tuple[int, int, int]] = []
    for item, t in enumerate(truth.tolist()):
        for worker in (0, 1):
            rows.append((item, worker, t if rng.random() < 0.9 else (t + 2) % 3))
        rows += [(item, worker, (t + 1) % 3) for worker in (2, 3, 4)]
    items, workers, labels = (np.array(c) for c in zip(*rows, strict=True))
    gold = {i: int(truth[i]) for i in range(30)}
    with_gold = Answers.from_arrays(items, workers, labels, n_classes=3, gold=gold)
    without = Answers.from_arrays(items, workers, labels, n_classes=3)
    rest = np.arange(30, 90)
    for method in (Method.weighted_vote, Method.one_coin, Method.glad, Method.mace):
        blind = infer(without, method)
        told = infer(with_gold, method)
        assert (blind.labels[rest] == truth[rest]).mean() < 0.5, method  # fooled without gold
        # The one-pass weighted vote still half-trusts the majority it measures against.
        bar = 0.6 if method is Method.weighted_vote else 0.75
        assert (told.labels[rest] == truth[rest]).mean() > bar, method
        # How much one answer "0" supports class 0 over the next best class.
        loglik = told.model.annotation_loglik(np.array([0, 2]), np.array([0, 0]))
        careful, contrarian = loglik[:, 0] - loglik[:, 1:].max(axis=1)
        assert careful > 0.0, method
        assert contrarian < (1.0 if method is Method.weighted_vote else 0.25) * careful, method
    # Full Dawid-Skene learns that the three answer "the next class" and reads them so.
    told = infer(with_gold, Method.dawid_skene)
    assert (told.labels[rest] == truth[rest]).mean() > 0.95
    assert infer(with_gold).criterion == "annotations"  # 30 gold: too few to choose by


def test_resolve_item_with_stored_models_agrees_with_the_fit() -> None:
    annotations = _project_annotations()
    fits = fit_fields(SCHEMA, annotations, gold={0: {"topic": "sport"}})
    models = {
        name: FittedModel.from_json(json.loads(json.dumps(fit.model.to_json())))
        for name, fit in fits.items()
    }
    by_item: dict[int, list[tuple[str, dict[str, object]]]] = {}
    for item, worker, value in annotations:
        by_item.setdefault(item, []).append((worker, value))
    for item in range(1, 60):
        resolved = resolve_item(SCHEMA, by_item[item], models)
        for name, fit in fits.items():
            # Items were encoded in order of first appearance: item i is row i.
            assert str(resolved.value[name]) == fit.model.classes[fit.labels[item]], (item, name)
        assert resolved.confidence == pytest.approx(
            min(fit.confidence[item] for fit in fits.values()), abs=1e-4
        )
