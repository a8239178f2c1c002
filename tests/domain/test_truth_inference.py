"""Truth inference over whole data sets: methods, gold, auto, calibration, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from tests.factories.synthetic_crowds import accuracy, synthetic_crowd
from veracity.domain.truth import Answers, Method, infer
from veracity.domain.truth.calibration import expected_calibration_error, reliability
from veracity.domain.truth.inference import MIN_GOLD_TO_SELECT

MODEL_METHODS = [Method.one_coin, Method.dawid_skene, Method.glad, Method.mace]


def _answers(rows: list[tuple[int, int, int]], **kw: object) -> Answers:
    items, workers, labels = zip(*rows, strict=True)
    return Answers.from_arrays(items, workers, labels, **kw)  # type: ignore[arg-type]


# -- small, hand-checked ---------------------------------------------------------------------


def test_majority_vote_counts_votes_and_breaks_ties_by_class_order() -> None:
    answers = _answers(
        [(0, 0, 1), (0, 1, 1), (0, 2, 0), (1, 0, 0), (1, 1, 1), (2, 2, 2)], n_classes=3
    )
    result = infer(answers, Method.majority_vote)
    assert result.labels.tolist() == [1, 0, 2]
    # Two votes to one is surer than one to one; every row is a distribution.
    assert result.confidence[0] > result.confidence[1]
    assert result.posterior[1, 0] == pytest.approx(result.posterior[1, 1])
    np.testing.assert_allclose(result.posterior.sum(axis=1), 1.0)


def test_gold_reveals_who_to_trust_where_the_majority_is_wrong() -> None:
    # Workers 0 and 1 match gold on items 0-9; workers 2-4 answer the other class there.
    rows = []
    for item in range(10):
        truth = item % 2
        rows += [(item, 0, truth), (item, 1, truth)]
        rows += [(item, w, 1 - truth) for w in (2, 3, 4)]
    rows += [(10, 0, 0), (10, 1, 0), (10, 2, 1), (10, 3, 1), (10, 4, 1)]
    gold = {item: item % 2 for item in range(10)}
    answers = _answers(rows, n_classes=2, gold=gold)

    assert (
        infer(
            answers.with_gold(answers.gold_items[:0], answers.gold_labels[:0]), Method.majority_vote
        ).labels[10]
        == 1
    )
    for method in (Method.weighted_vote, *MODEL_METHODS):
        result = infer(answers, method)
        assert result.labels[10] == 0, method
        assert result.confidence[10] > 0.5, method


@pytest.mark.parametrize("method", list(Method))
def test_gold_items_keep_their_known_label_with_certainty(method: Method) -> None:
    # Everyone says 1 on item 0, whose gold label is 0.
    rows = [(0, w, 1) for w in range(3)] + [(1, w, w % 2) for w in range(3)]
    result = infer(_answers(rows, n_classes=2, gold={0: 0}), method)
    assert result.labels[0] == 0
    assert result.confidence[0] == 1.0
    assert result.posterior[0].tolist() == [1.0, 0.0]


@pytest.mark.parametrize("method", list(Method))
def test_an_item_only_in_gold_is_resolved_to_its_gold(method: Method) -> None:
    rows = [(i, w, i % 2) for i in range(4) for w in range(3)]
    result = infer(_answers(rows, n_classes=2, n_items=5, gold={4: 0}), method)
    assert result.labels.tolist() == [0, 1, 0, 1, 0]
    assert result.confidence[4] == 1.0


# -- synthetic crowds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "share", "methods"),
    [
        ("spammers", 0.4, [Method.one_coin, Method.mace, Method.glad, Method.dawid_skene]),
        ("adversaries", 0.3, [Method.dawid_skene]),
    ],
)
def test_models_beat_majority_vote_when_the_crowd_has_bad_workers(
    kind: str, share: float, methods: list[Method]
) -> None:
    crowd = synthetic_crowd(seed=7, **{kind: share})
    baseline = accuracy(infer(crowd.answers, Method.majority_vote).labels, crowd.truth)
    for method in methods:
        got = accuracy(infer(crowd.answers, method).labels, crowd.truth)
        assert got > baseline + 0.05, (method, got, baseline)


def test_auto_picks_a_method_that_copes_with_adversaries() -> None:
    crowd = synthetic_crowd(seed=3, adversaries=0.3)
    result = infer(crowd.answers)
    assert result.criterion == "annotations"
    assert set(result.criteria) == {
        Method.majority_vote,
        Method.weighted_vote,
        Method.one_coin,
        Method.mace,
        Method.glad,
        Method.dawid_skene,
    }
    assert result.method is Method.dawid_skene
    by_method = {m: accuracy(infer(crowd.answers, m).labels, crowd.truth) for m in Method}
    assert accuracy(result.labels, crowd.truth) == max(by_method.values())
    assert by_method[Method.dawid_skene] > by_method[Method.majority_vote] + 0.1


def test_auto_uses_gold_to_choose_when_there_is_enough() -> None:
    crowd = synthetic_crowd(seed=5, spammers=0.3, n_items=400)
    gold = {i: int(crowd.truth[i]) for i in range(MIN_GOLD_TO_SELECT)}
    answers = crowd.answers.with_gold(
        np.array(list(gold), dtype=np.int64), np.array(list(gold.values()), dtype=np.int64)
    )
    result = infer(answers, candidates=[Method.majority_vote, Method.one_coin])
    assert result.criterion == "gold"
    assert result.method is Method.one_coin
    assert result.criteria[Method.one_coin] > result.criteria[Method.majority_vote]


def test_class_priors_help_with_imbalanced_classes() -> None:
    crowd = synthetic_crowd(seed=11, prior=[0.8, 0.1, 0.1], accuracy=(0.5, 0.7))
    vote = accuracy(infer(crowd.answers, Method.majority_vote).labels, crowd.truth)
    for method in (Method.one_coin, Method.glad):
        assert accuracy(infer(crowd.answers, method).labels, crowd.truth) > vote + 0.05


@pytest.mark.parametrize("method", ["auto", Method.majority_vote, Method.dawid_skene])
def test_confidences_are_calibrated_on_a_synthetic_crowd(method: Method | str) -> None:
    crowd = synthetic_crowd(seed=21, n_items=1500, spammers=0.2, per_item=4)
    result = infer(crowd.answers, method)  # type: ignore[arg-type]
    correct = (result.labels == crowd.truth).astype(float)
    assert expected_calibration_error(result.confidence, correct) < 0.06
    # Where the model says 0.9 or more, it is right about that often.
    sure = result.confidence >= 0.9
    assert sure.sum() > 100
    assert correct[sure].mean() > 0.87


def test_calibration_with_gold_uses_held_out_gold() -> None:
    crowd = synthetic_crowd(seed=4, n_items=900, spammers=0.3, per_item=3)
    gold_items = np.arange(60, dtype=np.int64)
    answers = crowd.answers.with_gold(gold_items, crowd.truth[gold_items])
    result = infer(answers, Method.one_coin)
    rest = np.arange(60, 900)
    correct = (result.labels[rest] == crowd.truth[rest]).astype(float)
    assert expected_calibration_error(result.confidence[rest], correct) < 0.06


def test_reliability_bins_count_every_item() -> None:
    confidence = np.array([0.05, 0.5, 0.55, 0.95, 1.0])
    correct = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    rows = reliability(confidence, correct, bins=10)
    assert sum(n for _, _, n, _, _ in rows) == 5
    assert rows[-1][2:] == (2, pytest.approx(0.975), 1.0)
    assert expected_calibration_error(confidence, correct) == pytest.approx(
        (0.05 + abs(0.5 - 1) + abs(0.55 - 0) + 0.05) / 5
    )


def test_results_are_deterministic() -> None:
    crowd = synthetic_crowd(seed=2, spammers=0.2)
    first, second = infer(crowd.answers), infer(crowd.answers)
    assert first.method is second.method
    assert np.array_equal(first.labels, second.labels)
    assert np.array_equal(first.confidence, second.confidence)


def test_order_of_annotations_does_not_change_the_labels() -> None:
    crowd = synthetic_crowd(seed=9, spammers=0.3)
    a = crowd.answers
    order = np.random.default_rng(0).permutation(a.n_annotations)
    shuffled = Answers.from_arrays(
        a.items[order], a.workers[order], a.labels[order], n_classes=a.n_classes
    )
    for method in Method:
        one, two = infer(a, method), infer(shuffled, method)
        assert np.array_equal(one.labels, two.labels), method
        np.testing.assert_allclose(one.confidence, two.confidence, atol=1e-6)


# -- input checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"labels": [0, 5]}, "labels must lie in 0..2"),
        ({"workers": [0]}, "one entry per annotation"),
        ({"gold": {7: 0}}, "gold_items must lie in 0..1"),
    ],
)
def test_answers_refuse_inconsistent_arrays(kw: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"items": [0, 1], "workers": [0, 1], "labels": [0, 1]}
    gold = kw.pop("gold", None)
    args.update(kw)
    with pytest.raises(ValueError, match=message):
        Answers.from_arrays(
            args["items"],  # type: ignore[arg-type]
            args["workers"],  # type: ignore[arg-type]
            args["labels"],  # type: ignore[arg-type]
            n_classes=3,
            n_items=2,
            gold=gold,  # type: ignore[arg-type]
        )


def test_encode_orders_classes_schema_first_then_by_appearance() -> None:
    answers = Answers.encode(
        [("a", "w1", "cat"), ("a", "w2", "bird"), ("b", "w1", "dog")],
        gold={"c": "fish"},
        classes=["dog", "cat"],
    )
    assert list(answers.class_names) == ["dog", "cat", "bird", "fish"]
    assert list(answers.item_names) == ["a", "b", "c"]
    assert answers.labels.tolist() == [1, 2, 0]
    assert answers.gold_items.tolist() == [2]
    assert answers.gold_labels.tolist() == [3]


def test_encoding_by_rows_or_by_columns_is_the_same() -> None:
    rows = [("a", "w1", "cat"), ("b", "w2", "dog"), ("a", "w2", "cat"), ("c", "w1", "fish")]
    by_rows = Answers.encode(rows, gold={"d": "dog"}, classes=["dog"])
    items, workers, labels = (list(c) for c in zip(*rows, strict=True))
    by_columns = Answers.encode_columns(items, workers, labels, gold={"d": "dog"}, classes=["dog"])
    for answers in (by_rows, by_columns):
        assert list(answers.item_names) == ["a", "b", "c", "d"]
        assert list(answers.worker_names) == ["w1", "w2"]
        assert list(answers.class_names) == ["dog", "cat", "fish"]
        assert answers.items.tolist() == [0, 1, 0, 2]
        assert answers.labels.tolist() == [1, 0, 1, 2]
        assert answers.gold_items.tolist() == [3]
    with pytest.raises(ValueError, match="one entry per annotation"):
        Answers.encode_columns(["a"], [], ["cat"])


def test_a_subset_numbers_its_items_anew_and_keeps_the_workers() -> None:
    answers = Answers.encode(
        [("a", "w1", "x"), ("b", "w2", "y"), ("c", "w1", "y"), ("c", "w3", "x")],
        gold={"a": "x", "c": "y"},
    )
    keep = np.array([False, True, True])
    sub = answers.subset(keep, keep_gold=True)
    assert (sub.n_items, sub.n_workers, list(sub.item_names)) == (2, 3, ["b", "c"])
    assert sub.items.tolist() == [0, 1, 1]
    assert sub.workers.tolist() == [1, 0, 2]
    assert (sub.gold_items.tolist(), sub.gold_labels.tolist()) == ([1], [1])
    assert len(answers.subset(keep, keep_gold=False).gold_items) == 0
