"""Agreement statistics, checked against published worked examples and the reference libraries.

krippendorff.alpha and scikit-learn are the oracles here: the domain code computes the same
sums vectorised (see the module docstrings of veracity.domain.agreement for why).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score, confusion_matrix

from veracity.domain.agreement import (
    Level,
    Ratings,
    Statistic,
    box_agreement,
    box_iou,
    cohen_kappas,
    field_agreement,
    fleiss_kappa,
    krippendorff_alpha,
    match_boxes,
    match_spans,
    observed_agreement,
    project_agreement,
    span_agreement,
    span_iou,
)
from veracity.domain.agreement.ratings import group_keys
from veracity.domain.label_schema import LabelSchema

NAN = float("nan")

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with 4
# observers, 12 units and missing values: one row per observer.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
    [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
]

# Fleiss (1971): 30 patients, 6 psychiatrists each (not the same six), 5 diagnoses. The
# published kappa is 0.430 (0.4302445 from R irr::kappam.fleiss).
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
]  # fmt: skip

# The Fleiss' kappa example on Wikipedia: 10 subjects, 14 raters, counts per category.
# kappa = 0.210.
WIKIPEDIA_FLEISS_COUNTS = [
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
]  # fmt: skip

SCHEMA = LabelSchema.parse(
    {
        "fields": [
            {"name": "sentiment", "kind": "choice", "options": ["pos", "neg", "neu"]},
            {"name": "topics", "kind": "multi_choice", "options": ["a", "b", "c"]},
            {"name": "stars", "kind": "rating", "min": 1, "max": 5},
            {"name": "note", "kind": "text", "required": False},
        ]
    }
)
CHOICE, MULTI, RATING, TEXT = SCHEMA.fields


def by_observer(rows: Sequence[Sequence[float]]) -> list[tuple[int, str, int]]:
    """Answers from an observers x units table with NaN gaps."""
    return [
        (unit, f"o{observer}", int(v))
        for observer, row in enumerate(rows)
        for unit, v in enumerate(row)
        if not np.isnan(v)
    ]


def by_item(rows: Sequence[Sequence[Hashable]]) -> list[tuple[int, str, Hashable]]:
    """Answers from an items x raters table (rater k of each item is worker ``r{k}``)."""
    return [(item, f"r{k}", v) for item, row in enumerate(rows) for k, v in enumerate(row)]


def from_counts(counts: Sequence[Sequence[int]]) -> list[tuple[int, str, int]]:
    """Answers from an items x categories table of counts, each answer by its own rater."""
    answers = []
    for item, row in enumerate(counts):
        raters = (f"r{k}" for k in range(sum(row)))
        for category, n in enumerate(row):
            answers += [(item, next(raters), category) for _ in range(n)]
    return answers


def random_table(seed: int, items: int, raters: int, values: int, gaps: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    truth = rng.integers(1, values + 1, size=items)
    noise = rng.integers(1, values + 1, size=(raters, items))
    table = np.where(rng.random((raters, items)) < 0.6, truth, noise).astype(float)
    table[rng.random((raters, items)) < gaps] = np.nan
    return table


# -- Krippendorff's alpha --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "published"), [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849)]
)
def test_alpha_matches_krippendorffs_worked_example(level: Level, published: float) -> None:
    ratings = Ratings.code(by_observer(KRIPPENDORFF_2011), numeric=True)
    alpha = krippendorff_alpha(ratings, level)
    assert alpha.value == pytest.approx(published, abs=5e-4)
    assert alpha.value == pytest.approx(
        krippendorff.alpha(KRIPPENDORFF_2011, level_of_measurement=level), abs=1e-12
    )
    # Unit 12 has a single value, so it is left out: 11 units with 40 values.
    assert (alpha.items, alpha.annotations) == (11, 40)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_alpha_equals_the_krippendorff_library_with_gaps(seed: int, level: Level) -> None:
    table = random_table(seed, items=60, raters=5, values=5, gaps=0.45)
    ratings = Ratings.code(by_observer(table), numeric=True)
    expected = krippendorff.alpha(table, level_of_measurement=level)
    assert krippendorff_alpha(ratings, level).value == pytest.approx(expected, abs=1e-12)


def test_alpha_ignores_labels_nobody_used_on_the_ordinal_scale() -> None:
    """A scale value nobody chose changes neither the ranks between used values nor alpha."""
    answers = by_observer(KRIPPENDORFF_2011)
    with_unused = Ratings.code(answers, labels=range(8), numeric=True)
    assert krippendorff_alpha(with_unused, "ordinal").value == pytest.approx(0.8153875, abs=1e-6)


# -- Fleiss' kappa ---------------------------------------------------------------------------


def test_fleiss_kappa_matches_fleiss_1971() -> None:
    kappa = fleiss_kappa(Ratings.code(by_item(FLEISS_1971)))
    assert kappa.value == pytest.approx(0.4302445, abs=1e-7)
    assert (kappa.items, kappa.annotations) == (30, 180)


def test_fleiss_kappa_matches_the_wikipedia_example() -> None:
    ratings = Ratings.code(from_counts(WIKIPEDIA_FLEISS_COUNTS))
    assert fleiss_kappa(ratings).value == pytest.approx(0.20993, abs=1e-5)
    # Observed agreement is Fleiss' P-bar.
    assert observed_agreement(ratings).value == pytest.approx(0.37802, abs=1e-5)


def test_fleiss_kappa_needs_the_same_number_of_answers_per_item() -> None:
    answers = by_item(FLEISS_1971)[:-1]  # the last patient now has 5 diagnoses
    ratings = Ratings.code(answers)
    kappa = fleiss_kappa(ratings)
    assert kappa.value is None
    assert "5 to 6 answers" in kappa.reason
    assert krippendorff_alpha(ratings).value is not None


def test_fleiss_kappa_leaves_out_items_with_one_answer() -> None:
    answers = [*by_item(FLEISS_1971), (99, "r0", 1)]
    kappa = fleiss_kappa(Ratings.code(answers))
    assert kappa.value == pytest.approx(0.4302445, abs=1e-7)
    assert (kappa.items, kappa.annotations) == (30, 180)


# -- Cohen's kappa ---------------------------------------------------------------------------


def pair_table(cells: Sequence[Sequence[int]]) -> list[tuple[int, str, int]]:
    """Two workers' answers from their 2-way contingency table (rows: A, columns: B)."""
    answers = []
    item = 0
    for a, row in enumerate(cells):
        for b, n in enumerate(row):
            for _ in range(n):
                answers += [(item, "A", a), (item, "B", b)]
                item += 1
    return answers


def test_cohen_kappa_matches_the_textbook_yes_no_example() -> None:
    # Wikipedia: 50 grant proposals; both yes 20, A yes B no 5, A no B yes 10, both no 15.
    (pair,) = cohen_kappas(Ratings.code(pair_table([[20, 5], [10, 15]])), min_shared_items=1)
    assert (pair.worker_a, pair.worker_b) == ("A", "B")
    assert pair.observed == pytest.approx(0.7)
    assert pair.kappa.value == pytest.approx(0.4)
    assert (pair.kappa.items, pair.kappa.annotations) == (50, 100)


def test_cohen_kappa_matches_the_sas_example() -> None:
    # SAS PROC FREQ's simple kappa for this 3 x 3 table is 0.4842.
    (pair,) = cohen_kappas(
        Ratings.code(pair_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]])), min_shared_items=1
    )
    assert pair.kappa.value == pytest.approx(0.4842, abs=5e-5)


def crowd(seed: int, items: int = 300, workers: int = 7, per_item: int = 3) -> list[Any]:
    """Answers of a small crowd: each item gets ``per_item`` random workers, values 1..5."""
    rng = np.random.default_rng(seed)
    answers = []
    for item in range(items):
        truth = int(rng.integers(1, 6))
        for w in rng.choice(workers, size=per_item, replace=False):
            value = truth if rng.random() < 0.6 else int(rng.integers(1, 6))
            answers.append((item, f"w{w}", value))
    return answers


def shared_answers(answers: list[Any], a: Hashable, b: Hashable) -> tuple[list[Any], list[Any]]:
    mine = {(i, w): v for i, w, v in answers}
    items = sorted({i for i, w, _ in answers if w == a} & {i for i, w, _ in answers if w == b})
    return [mine[i, a] for i in items], [mine[i, b] for i in items]


@pytest.mark.parametrize("seed", range(3))
def test_cohen_kappa_of_every_pair_equals_scikit_learn(seed: int) -> None:
    answers = crowd(seed)
    ratings = Ratings.code(answers, labels=range(1, 6), numeric=True)
    plain = cohen_kappas(ratings, min_shared_items=1)
    weighted = cohen_kappas(ratings, min_shared_items=1, quadratic=True)
    assert len(plain) == 21  # 7 workers, and every two of them shared some items
    assert [(p.worker_a, p.worker_b) for p in plain] == [(p.worker_a, p.worker_b) for p in weighted]
    for p, q in zip(plain, weighted, strict=True):
        xs, ys = shared_answers(answers, p.worker_a, p.worker_b)
        assert p.kappa.items == len(xs)
        assert p.kappa.value == pytest.approx(cohen_kappa_score(xs, ys), abs=1e-12)
        assert q.kappa.value == pytest.approx(
            cohen_kappa_score(xs, ys, labels=range(1, 6), weights="quadratic"), abs=1e-12
        )
        assert p.observed == pytest.approx(np.mean(np.equal(xs, ys)))


def test_cohen_kappa_only_for_pairs_with_enough_shared_items() -> None:
    answers = crowd(0)
    ratings = Ratings.code(answers)
    every = cohen_kappas(ratings, min_shared_items=1)
    enough = cohen_kappas(ratings, min_shared_items=40)
    assert len(every) == 21
    assert 0 < len(enough) < len(every)
    assert all(p.kappa.items >= 40 for p in enough)
    assert cohen_kappas(ratings, min_shared_items=10_000) == ()


def test_cohen_kappa_is_undefined_when_both_always_give_the_same_value() -> None:
    (pair,) = cohen_kappas(Ratings.code(pair_table([[5, 0], [0, 0]])), min_shared_items=1)
    assert pair.kappa.value is None
    assert "same answer" in pair.kappa.reason
    assert pair.observed == 1.0


# -- edge cases ------------------------------------------------------------------------------


def test_perfect_agreement() -> None:
    result = field_agreement(CHOICE, by_item([["pos"] * 3, ["neg"] * 3, ["neu"] * 3] * 10))
    summary = result.summary
    assert summary.alpha.value == pytest.approx(1.0)
    assert summary.fleiss_kappa.value == pytest.approx(1.0)
    assert summary.observed.value == 1.0
    assert summary.cohen
    assert all(p.kappa.value == pytest.approx(1.0) for p in summary.cohen)


def test_no_variation_leaves_chance_corrected_figures_undefined() -> None:
    result = field_agreement(CHOICE, by_item([["pos"] * 3] * 25), min_shared_items=1)
    summary = result.summary
    for stat in (summary.alpha, summary.fleiss_kappa):
        assert stat.value is None
        assert "same value" in stat.reason
        assert (stat.items, stat.annotations) == (25, 75)
    assert summary.observed.value == 1.0
    assert all(p.kappa.value is None for p in summary.cohen)


def test_items_with_one_answer_carry_no_agreement() -> None:
    alone = field_agreement(CHOICE, [(1, "a", "pos"), (2, "b", "neg"), (3, "a", "neu")])
    for stat in (alone.summary.alpha, alone.summary.fleiss_kappa, alone.summary.observed):
        assert stat == Statistic.undefined("no item has answers from two or more people")
    assert alone.summary.cohen == ()

    mixed = field_agreement(
        CHOICE,
        [(1, "a", "pos"), (1, "b", "pos"), (2, "a", "neg"), (2, "b", "pos"), (3, "a", "neu")],
    )
    assert (mixed.summary.alpha.items, mixed.summary.alpha.annotations) == (2, 4)
    assert mixed.summary.observed.value == 0.5


@pytest.mark.parametrize("field", SCHEMA.fields, ids=lambda f: f.kind_name)
def test_no_answers_at_all(field: Any) -> None:
    summary = field_agreement(field, []).summary
    assert summary.alpha == Statistic.undefined("no item has answers from two or more people")
    assert summary.cohen == ()
    assert summary.workers == ()


def test_a_workers_last_answer_counts_and_empty_answers_are_skipped() -> None:
    answers = [
        (1, "a", "neg"),
        (1, "b", "pos"),
        (1, "a", "pos"),  # a fix: a's answer to item 1 is now "pos"
        (2, "a", "neg"),
        (2, "b", "neg"),
        (2, "c", None),  # an optional field left empty
    ]
    result = field_agreement(CHOICE, answers)
    assert result.summary.observed == Statistic(1.0, 2, 4)


# -- confusion matrices ----------------------------------------------------------------------


def test_co_occurrence_counts_each_pair_of_answers_in_both_orders() -> None:
    answers = [(1, "x", "pos"), (1, "y", "pos"), (1, "z", "neg"), (2, "x", "pos"), (2, "y", "neg")]
    pairs = field_agreement(CHOICE, answers).summary.pairs
    assert pairs is not None
    assert pairs.labels == ("pos", "neg", "neu")  # every option, in schema order
    assert pairs.counts == ((2, 3, 0), (3, 0, 0), (0, 0, 0))


def test_each_worker_against_the_reference_equals_scikit_learn() -> None:
    answers = crowd(1)
    references = {item: (item * 7) % 5 + 1 for item in range(0, 120, 2)}
    result = field_agreement(RATING, answers, references)
    summary = result.summary
    labels = list(range(1, 6))
    assert summary.reference is not None
    assert summary.reference.labels == tuple(labels)
    compared = [(i, w, v) for i, w, v in answers if i in references]
    truth = [references[i] for i, _, _ in compared]
    given = [v for _, _, v in compared]
    assert np.array_equal(summary.reference.counts, confusion_matrix(truth, given, labels=labels))
    assert {w.worker for w in summary.workers} == {w for _, w, _ in compared}
    for worker in summary.workers:
        mine = [(references[i], v) for i, w, v in compared if w == worker.worker]
        assert worker.compared == len(mine)
        assert worker.accuracy == pytest.approx(np.mean([t == g for t, g in mine]))
        assert worker.confusion is not None
        assert np.array_equal(
            worker.confusion.counts, confusion_matrix(*zip(*mine, strict=True), labels=labels)
        )


def test_workers_get_no_matrix_of_their_own_past_fifty_labels() -> None:
    many = LabelSchema.parse(
        {"fields": [{"name": "c", "kind": "choice", "options": [f"o{i}" for i in range(51)]}]}
    ).fields[0]
    answers = [(1, "x", "o1"), (1, "y", "o2"), (2, "x", "o3"), (2, "y", "o3")]
    summary = field_agreement(many, answers, {1: "o1", 2: "o3"}).summary
    assert summary.reference is not None
    assert len(summary.reference.counts) == 51
    assert summary.reference.counts[1][1] == 1
    assert summary.reference.counts[1][2] == 1
    assert summary.reference.counts[3][3] == 2
    assert [(w.worker, w.correct, w.confusion) for w in summary.workers] == [
        ("x", 2, None),
        ("y", 1, None),
    ]


def test_no_reference_means_no_worker_accuracy() -> None:
    summary = field_agreement(CHOICE, by_item([["pos", "neg"]])).summary
    assert summary.reference is None
    assert summary.workers == ()


# -- kinds -----------------------------------------------------------------------------------


def test_rating_uses_the_whole_scale_and_interval_alpha() -> None:
    table = random_table(3, items=40, raters=4, values=5, gaps=0.2)
    result = field_agreement(RATING, by_observer(table))
    summary = result.summary
    assert summary.level == "interval"
    assert summary.alpha.value == pytest.approx(
        krippendorff.alpha(table, level_of_measurement="interval"), abs=1e-12
    )
    assert summary.pairs is not None
    assert summary.pairs.labels == (1, 2, 3, 4, 5)
    ordinal = field_agreement(RATING, by_observer(table), rating_level="ordinal").summary
    assert ordinal.alpha.value == pytest.approx(
        krippendorff.alpha(table, level_of_measurement="ordinal"), abs=1e-12
    )


def test_text_agrees_after_the_kinds_normalisation() -> None:
    answers = [
        (1, "a", "Charged  twice"),
        (1, "b", "charged twice"),
        (1, "c", "Refund"),
        (2, "a", "ok"),
        (2, "b", "OK"),
        (2, "c", "ok "),
    ]
    result = field_agreement(TEXT, answers, {1: "CHARGED TWICE"})
    summary = result.summary
    assert summary.observed.value == pytest.approx((1 / 3 + 1) / 2)
    assert summary.alpha.value is not None
    assert summary.pairs is None  # every distinct text would be a row
    assert summary.reference is None
    assert [(w.worker, w.compared, w.correct, w.confusion) for w in summary.workers] == [
        ("a", 1, 1, None),
        ("b", 1, 1, None),
        ("c", 1, 0, None),
    ]


def test_multi_choice_is_a_yes_no_question_per_option() -> None:
    answers = [
        (1, "x", ["a", "b"]),
        (1, "y", ["b"]),
        (1, "z", ["a", "b"]),
        (2, "x", []),
        (2, "y", ["c"]),
        (3, "x", ["a"]),
        (3, "y", ["a", "c"]),
        (3, "z", ["a"]),
    ]
    result = field_agreement(MULTI, answers, {1: ["a", "b"], 3: ["a"]}, min_shared_items=1)
    assert set(result.options) == {"a", "b", "c"}

    def option_table(option: str) -> list[list[float]]:
        cells = {(i, w): float(option in v) for i, w, v in answers}
        return [[cells.get((i, w), NAN) for i in (1, 2, 3)] for w in "xyz"]

    for option, agreement in result.options.items():
        assert agreement.alpha.value == pytest.approx(
            krippendorff.alpha(option_table(option), level_of_measurement="nominal")
        )
        assert agreement.alpha.items == 3
    # The summary pools the nine (item, option) decisions as units of one binary question.
    pooled = np.hstack([option_table(o) for o in "abc"])
    summary = result.summary
    assert summary.alpha.value == pytest.approx(
        krippendorff.alpha(pooled, level_of_measurement="nominal")
    )
    assert (summary.alpha.items, summary.alpha.annotations) == (3, 8)
    # Items 1 and 3: 7 of their 9 (pair, option) decisions agree; item 2: 2 of 3.
    assert summary.observed.value == pytest.approx((7 / 9 + 2 / 3 + 7 / 9) / 3)
    assert summary.fleiss_kappa.value is None  # items 1 and 3 have 3 answers, item 2 has 2
    assert summary.pairs is not None
    assert summary.pairs.labels == ("not chosen", "chosen")
    x_y = next(p for p in summary.cohen if (p.worker_a, p.worker_b) == ("x", "y"))
    assert x_y.kappa.items == 3
    x = next(w for w in summary.workers if w.worker == "x")
    assert (x.compared, x.correct) == (6, 6)  # 2 items with a reference x 3 options
    assert x.confusion is not None
    assert x.confusion.counts == ((3, 0), (0, 3))


def test_the_order_of_the_answers_does_not_matter() -> None:
    rng = np.random.default_rng(5)
    answers = [
        (item, f"w{w}", [o for o in "abc" if rng.random() < 0.4])
        for item in range(80)
        for w in rng.choice(6, size=3, replace=False)
    ]
    references = {item: ["a"] for item in range(0, 80, 3)}
    shuffled = [answers[i] for i in rng.permutation(len(answers))]

    def figures(given: list[Any]) -> dict[str, Any]:
        result = field_agreement(MULTI, given, references, min_shared_items=1)
        return {
            "summary": (result.summary.alpha.value, result.summary.observed.value),
            "options": {o: a.alpha.value for o, a in result.options.items()},
            "workers": {w.worker: (w.compared, w.correct) for w in result.summary.workers},
            "cohen": {(p.worker_a, p.worker_b): p.kappa.value for p in result.summary.cohen},
        }

    ordered, mixed = figures(answers), figures(shuffled)
    assert mixed["workers"] == ordered["workers"]
    assert mixed["summary"] == pytest.approx(ordered["summary"])
    assert mixed["options"] == pytest.approx(ordered["options"])
    for (a, b), kappa in ordered["cohen"].items():
        assert mixed["cohen"].get((a, b), mixed["cohen"].get((b, a))) == pytest.approx(kappa)


def test_project_agreement_takes_each_field_from_whole_annotations() -> None:
    annotations = [
        (1, "x", {"sentiment": "pos", "topics": ["a"], "stars": 4}),
        (1, "y", {"sentiment": "pos", "topics": ["a"], "stars": 5, "note": "late"}),
        (2, "x", {"sentiment": "neg", "topics": [], "stars": 1}),
        (2, "y", {"sentiment": "neu", "topics": ["b"], "stars": 2}),
    ]
    result = project_agreement(SCHEMA, annotations, {1: {"sentiment": "pos"}})
    assert list(result) == ["sentiment", "topics", "stars", "note"]
    assert result["sentiment"].summary.observed.value == 0.5
    assert [w.correct for w in result["sentiment"].summary.workers] == [1, 1]
    assert result["stars"].summary.observed.value == 0.0
    assert result["topics"].summary.workers == ()  # the reference sets no topics
    assert result["note"].summary.alpha.items == 0  # only one person wrote a note
    assert result["note"].kind == "text"


def test_group_keys_counts_or_sorts_alike() -> None:
    keys = np.random.default_rng(0).integers(0, 500, size=2000).astype(np.int64)
    dense = group_keys(keys, 500)
    sorted_ = group_keys(keys, 500, dense_limit=0)
    for got, want in zip(dense, sorted_, strict=True):
        assert np.array_equal(got, want)


# -- spans and boxes -------------------------------------------------------------------------


def test_span_and_box_iou() -> None:
    assert span_iou([(0, 10, "x")], [(5, 15, "x"), (10, 20, "x"), (0, 10, "y")]).tolist() == [
        [5 / 15, 0.0, 1.0]
    ]
    assert box_iou([(0, 0, 2, 2, "car")], [(1, 1, 2, 2, "car"), (0, 0, 2, 2, "car")]).tolist() == [
        [1 / 7, 1.0]
    ]
    assert span_iou([], [(0, 1, "x")]).shape == (0, 1)


def test_matching_takes_as_many_pairs_as_possible() -> None:
    """Taking the best-overlapping pair first (greedy, or the largest total IoU) leaves both
    other spans unmatched; the one-to-one matching pairs all four."""
    a = [(0, 10, "x"), (0, 4, "x")]
    b = [(0, 10, "x"), (6, 10, "x")]
    # IoU: a0-b0 1.0, a0-b1 0.4, a1-b0 0.4, a1-b1 0.0
    match = match_spans(a, b, threshold=0.3)
    assert sorted(match.pairs) == [(0, 1, pytest.approx(0.4)), (1, 0, pytest.approx(0.4))]
    assert match.f1 == 1.0
    assert match.mean_iou == pytest.approx(0.4)


def test_matching_respects_threshold_and_labels() -> None:
    assert match_spans([(0, 10, "x")], [(5, 15, "x")]).f1 == 0.0  # IoU 1/3 < 0.5
    assert match_spans([(0, 10, "x")], [(0, 5, "x")]).f1 == 1.0  # IoU exactly 0.5
    assert match_spans([(0, 10, "PER")], [(0, 10, "ORG")]).f1 == 0.0
    assert match_spans([(0, 10, "PER")], [(0, 10, "ORG")], labels=False).f1 == 1.0
    boxes = match_boxes([(0, 0, 10, 10, "car"), (50, 50, 5, 5, "dog")], [(1, 1, 10, 10, "car")])
    assert boxes.pairs == ((0, 0, pytest.approx(81 / 119)),)
    assert boxes.f1 == pytest.approx(2 / 3)


def test_matching_when_nothing_is_marked() -> None:
    assert match_spans([], []).f1 == 1.0  # both say: nothing to mark here
    assert match_spans([], [(0, 3, "x")]).f1 == 0.0
    assert match_spans([], []).mean_iou is None


def test_span_agreement_pools_every_pair_of_annotators() -> None:
    answers: list[tuple[int, str, list[tuple[int, int, str]]]] = [
        (1, "a", [(0, 5, "PER"), (10, 20, "ORG")]),
        (1, "b", [(0, 5, "PER")]),
        (1, "c", [(0, 4, "PER"), (10, 20, "ORG")]),
        (2, "a", []),
        (2, "b", []),
        (3, "a", [(0, 5, "PER")]),
    ]
    result = span_agreement(answers)
    # Item 1: a-b 1 match of 3 spans, a-c 2 of 4, b-c 1 of 3; items 2 and 3 add nothing.
    assert result.f1 == Statistic(2 * 4 / 10, 2, 5)
    assert result.mean_iou == pytest.approx((1 + 1 + 0.8 + 0.8) / 4)
    alone = span_agreement([(1, "a", [(0, 5, "PER")])])
    assert alone.f1 == Statistic.undefined("no item has answers from two or more people")
    nothing = box_agreement([(1, "a", []), (1, "b", [])])
    assert nothing.f1.value is None
    assert nothing.f1.reason == "nobody marked anything"
