"""Likely label errors: confident learning finds the labels that were flipped, and only few
of the rest, from model predictions and annotators' votes."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from veracity.domain.label_errors import combined_probabilities, likely_label_errors
from veracity.domain.models import TextClassifier, item_text, out_of_sample_probabilities

SMS = Path(__file__).resolve().parents[3] / "shared" / "data" / "sms_spam" / "SMSSpamCollection.tsv"


def _sms(limit: int) -> tuple[list[dict[str, str]], np.ndarray]:
    if not SMS.exists():
        pytest.skip(f"the SMS spam data set is not beside the checkout ({SMS})")
    with SMS.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[:limit]
    items = [{"text": r["SMS"]} for r in rows]
    labels = np.array([1 if r["Label"] == "spam" else 0 for r in rows], dtype=np.int64)
    return items, labels


def _votes(labels: np.ndarray, k: int, per_item: int, accuracy: float, seed: int) -> np.ndarray:
    """Votes of ``per_item`` annotators who are right with probability ``accuracy``."""
    rng = np.random.default_rng(seed)
    votes = np.zeros((len(labels), k))
    for _ in range(per_item):
        right = rng.random(len(labels)) < accuracy
        wrong = (labels + rng.integers(1, k, len(labels))) % k
        votes[np.arange(len(labels)), np.where(right, labels, wrong)] += 1
    return votes


def test_item_text_reads_every_string_in_key_order() -> None:
    data = {"b": "second", "a": "first", "n": 3, "turns": [{"role": "user", "content": "hi"}]}
    assert item_text(data) == "first\nsecond\nhi\nuser"


def test_text_classifier_learns_spam_out_of_sample() -> None:
    items, labels = _sms(1500)
    probabilities = out_of_sample_probabilities(TextClassifier, items, labels, 2, folds=5)
    assert probabilities.shape == (1500, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == labels))
    majority = max(np.mean(labels), 1 - np.mean(labels))
    assert accuracy > 0.95 > majority


def test_too_few_items_to_hold_out_predict_the_class_frequencies() -> None:
    items = [{"text": "a"}, {"text": "b"}, {"text": "c"}]
    labels = np.array([0, 0, 1])
    probabilities = out_of_sample_probabilities(TextClassifier, items, labels, 3)
    assert np.allclose(probabilities, [[2 / 3, 1 / 3, 0]] * 3)


def test_flipped_labels_are_found_from_the_model_and_single_votes() -> None:
    items, truth = _sms(2000)
    rng = np.random.default_rng(7)
    flipped = rng.random(len(truth)) < 0.05
    labels = np.where(flipped, 1 - truth, truth)
    model = out_of_sample_probabilities(TextClassifier, items, labels, 2)
    votes = np.zeros((len(labels), 2))
    votes[np.arange(len(labels)), labels] = 1  # one annotator per item: the (noisy) label
    found = {e.index for e in likely_label_errors(labels, votes, model)}
    caught = len(found & set(np.flatnonzero(flipped)))
    assert caught / flipped.sum() > 0.5, (caught, flipped.sum())
    # Most flags are real errors, not clean items.
    assert caught / len(found) > 0.6, (caught, len(found))


def test_votes_of_a_good_crowd_outweigh_a_wrong_resolution() -> None:
    truth = np.random.default_rng(1).integers(0, 3, 600)
    votes = _votes(truth, 3, per_item=5, accuracy=0.85, seed=2)
    labels = truth.copy()
    wrong = np.arange(0, 600, 20)  # 30 items resolved to a class the crowd did not favour
    labels[wrong] = (truth[wrong] + 1) % 3
    errors = likely_label_errors(labels, votes)
    found = {e.index for e in errors}
    assert set(wrong) <= found
    assert len(found - set(wrong)) < 15
    # It suggests the class the crowd favoured, and flags the worst first.
    suggested = {e.index: e.suggested for e in errors}
    assert all(suggested[i] == truth[i] for i in wrong)
    qualities = [e.quality for e in errors]
    assert qualities == sorted(qualities)


def test_a_weak_model_counts_for_less_than_a_strong_crowd() -> None:
    truth = np.random.default_rng(3).integers(0, 2, 400)
    votes = _votes(truth, 2, per_item=5, accuracy=0.9, seed=4)
    noise = np.random.default_rng(5).random((400, 2))
    useless_model = noise / noise.sum(axis=1, keepdims=True)
    with_model = combined_probabilities(truth, votes, useless_model)
    without = combined_probabilities(truth, votes, None)
    # The useless model barely moves what the crowd says.
    assert np.mean(np.abs(with_model - without)) < 0.05


def test_one_class_or_no_items_flags_nothing() -> None:
    assert likely_label_errors(np.zeros(5, dtype=np.int64), np.ones((5, 2))) == []
    assert likely_label_errors(np.zeros(0, dtype=np.int64), np.zeros((0, 2))) == []


def test_an_item_without_votes_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one vote"):
        combined_probabilities(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 0.0]]), None)
