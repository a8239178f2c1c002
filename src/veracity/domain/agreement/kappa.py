"""Observed agreement, Fleiss' kappa (many raters) and Cohen's kappa (each pair of workers).

Fleiss' kappa is a few lines of numpy: statsmodels has it (``statsmodels.stats.inter_rater``),
but it is too heavy a dependency for one formula. Cohen's kappa is scikit-learn's
``cohen_kappa_score``, computed for every pair of workers at once: calling it once per pair
costs about 0.7 ms, seconds for a crowd, so the same sums are taken here with one pass over
the pairs of answers. The tests check both against published examples and against
scikit-learn.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from veracity.domain.agreement.alpha import NO_PAIRS, NO_VARIATION
from veracity.domain.agreement.ratings import FloatArray, IntArray, Ratings, group_keys
from veracity.domain.agreement.results import PairKappa, Statistic

BoolArray = npt.NDArray[np.bool_]


def observed_agreement(ratings: Ratings) -> Statistic:
    """The chance that two people who answered the same item gave the same answer.

    Averaged over items, each item counting once however many people answered it.
    """
    items, annotations = ratings.layout.counted
    if items == 0:
        return Statistic.undefined(NO_PAIRS)
    return Statistic(float(ratings.item_agreement.mean()), items, annotations)


def fleiss_kappa(ratings: Ratings) -> Statistic:
    """Fleiss' kappa (Fleiss 1971) over the items with two or more answers.

    Defined only when all those items have the same number of answers; otherwise the reason
    says so, and Krippendorff's alpha (which allows any number) is the figure to read.
    """
    layout = ratings.layout
    items, annotations = layout.counted
    if items == 0:
        return Statistic.undefined(NO_PAIRS)
    m = layout.answers_per_item[layout.answers_per_item >= 2]
    fewest, most = int(m.min()), int(m.max())
    if fewest != most:
        return Statistic.undefined(
            f"items have {fewest} to {most} answers; Fleiss' kappa needs the same number on "
            "every item (Krippendorff's alpha does not)",
            items,
            annotations,
        )
    per_value = np.bincount(ratings.columns[layout.pairable].ravel(), minlength=len(ratings.labels))
    total = int(per_value.sum())
    if int(per_value @ per_value) == total * total:
        return Statistic.undefined(NO_VARIATION, items, annotations)
    observed = float(ratings.item_agreement.mean())
    share = per_value / total
    chance = float(share @ share)
    return Statistic((observed - chance) / (1.0 - chance), items, annotations)


def cohen_kappas(
    ratings: Ratings, *, min_shared_items: int, quadratic: bool = False
) -> tuple[PairKappa, ...]:
    """Cohen's kappa for every pair of workers who answered at least ``min_shared_items``.

    ``quadratic`` weighs a disagreement by the squared difference of the numbers (for
    ratings), as ``cohen_kappa_score(..., labels=the whole scale, weights="quadratic")``.
    Pairs come in the order their workers first appear in the answers.
    """
    layout = ratings.layout
    keys, pair, shared = layout.worker_pairs
    keep = shared >= min_shared_items
    if not keep.any():
        return ()
    selected = keep[pair]
    pair_a, pair_b = ratings.pair_values
    k = ratings.questions
    # With pooled questions every shared item is k decisions.
    va, vb = pair_a[selected].ravel(), pair_b[selected].ravel()
    pair = np.repeat((np.cumsum(keep) - 1)[pair[selected]], k)
    keys, shared = keys[keep], shared[keep]
    decisions = shared * k
    count = len(shared)
    agreeing = ratings.pair_agreeing[selected].astype(np.float64)
    observed = np.bincount(pair[::k], weights=agreeing, minlength=count) / decisions
    if quadratic:
        kappa, undefined = _quadratic(ratings, pair, va, vb, decisions)
    else:
        kappa, undefined = _unweighted(len(ratings.labels), pair, va, vb, decisions, observed)
    n_workers = len(layout.worker_ids)
    result = []
    for p in range(count):
        items = int(shared[p])
        stat = (
            Statistic.undefined(
                "both gave one and the same answer on every shared item", items, 2 * items
            )
            if undefined[p]
            else Statistic(float(kappa[p]), items, 2 * items)
        )
        result.append(
            PairKappa(
                worker_a=layout.worker_ids[int(keys[p] // n_workers)],
                worker_b=layout.worker_ids[int(keys[p] % n_workers)],
                kappa=stat,
                observed=float(observed[p]),
            )
        )
    return tuple(result)


def _unweighted(
    size: int,
    pair: IntArray,
    va: IntArray,
    vb: IntArray,
    decisions: IntArray,
    observed: FloatArray,
) -> tuple[FloatArray, BoolArray]:
    """kappa = (p_o - p_e) / (1 - p_e), p_e from each worker's own share of each value."""
    count = len(decisions)
    own_a, _, count_a = group_keys(pair.astype(np.int64) * size + va, count * size)
    own_b, _, count_b = group_keys(pair.astype(np.int64) * size + vb, count * size)
    both, ia, ib = np.intersect1d(own_a, own_b, assume_unique=True, return_indices=True)
    chance_pairs = np.bincount(
        both // size, weights=(count_a[ia] * count_b[ib]).astype(np.float64), minlength=count
    )
    square = (decisions * decisions).astype(np.float64)
    undefined = chance_pairs >= square
    chance = chance_pairs / square
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = (observed - chance) / (1.0 - chance)
    return kappa, undefined


def _quadratic(
    ratings: Ratings, pair: IntArray, va: IntArray, vb: IntArray, decisions: IntArray
) -> tuple[FloatArray, BoolArray]:
    """kappa = 1 - E[(x - y)^2] / E[(X - Y)^2] with X and Y drawn independently.

    The expected term is var(X) + var(Y) + (mean X - mean Y)^2, which is exactly 0 when both
    workers gave one and the same value throughout.
    """
    if ratings.scale is None:
        raise ValueError("quadratic kappa needs numeric labels (a scale)")
    count = len(decisions)
    x, y = ratings.scale[va], ratings.scale[vb]
    mean_x = np.bincount(pair, weights=x, minlength=count) / decisions
    mean_y = np.bincount(pair, weights=y, minlength=count) / decisions
    dx, dy = x - mean_x[pair], y - mean_y[pair]
    var_x = np.bincount(pair, weights=dx * dx, minlength=count) / decisions
    var_y = np.bincount(pair, weights=dy * dy, minlength=count) / decisions
    expected = var_x + var_y + (mean_x - mean_y) ** 2
    disagreement = np.bincount(pair, weights=(x - y) ** 2, minlength=count) / decisions
    undefined = expected <= 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = 1.0 - disagreement / expected
    return kappa, undefined
