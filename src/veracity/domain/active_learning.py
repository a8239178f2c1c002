"""Which items teach a model most: uncertainty scores and diversity-aware batches.

The queue can hand out items in the order a model is least sure of them instead of the
order they were imported. Three classic scores (Settles, "Active Learning Literature
Survey", 2009): least confidence, smallest margin between the two likeliest classes, and
entropy. A batch of the most uncertain items tends to be many near-copies of one confusing
case, so :func:`diverse_batch` picks, from a pool of the most uncertain, items spread over
the feature space (greedy farthest-first, which is what k-center / core-set selection does).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class Strategy(StrEnum):
    """How uncertainty is scored (higher: the model is less sure)."""

    least_confidence = "least_confidence"
    margin = "margin"
    entropy = "entropy"


def uncertainty(probabilities: FloatArray, strategy: Strategy = Strategy.margin) -> FloatArray:
    """One score per row of class probabilities, in [0, 1], higher for less sure rows."""
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError("probabilities need one row per item and at least two classes")
    if strategy is Strategy.least_confidence:
        k = p.shape[1]
        scores: FloatArray = (1.0 - p.max(axis=1)) * k / (k - 1)
        return scores
    if strategy is Strategy.margin:
        top_two = np.sort(p, axis=1)[:, -2:]
        margin_scores: FloatArray = 1.0 - (top_two[:, 1] - top_two[:, 0])
        return margin_scores
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(p > 0, np.log(p), 0.0)
    entropy_scores: FloatArray = -(p * logs).sum(axis=1) / np.log(p.shape[1])
    return entropy_scores


def most_uncertain(
    probabilities: FloatArray, n: int, strategy: Strategy = Strategy.margin
) -> IntArray:
    """The ``n`` rows the model is least sure of, least sure first (ties: lower row first)."""
    scores = uncertainty(probabilities, strategy)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return order[:n].astype(np.int64)


def diverse_batch(
    probabilities: FloatArray,
    features: FloatArray,
    n: int,
    *,
    pool_factor: int = 5,
    strategy: Strategy = Strategy.margin,
) -> IntArray:
    """``n`` uncertain rows that are unlike each other.

    From the ``n * pool_factor`` least sure rows, start with the least sure and repeatedly
    add the row farthest (Euclidean, on ``features``) from everything chosen so far.
    """
    if len(features) != len(probabilities):
        raise ValueError("probabilities and features differ in length")
    pool = most_uncertain(probabilities, max(n, n * pool_factor), strategy)
    if len(pool) <= n:
        return pool
    x = np.asarray(features, dtype=np.float64)[pool]
    chosen = [0]
    distance = np.linalg.norm(x - x[0], axis=1)
    while len(chosen) < n:
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, np.linalg.norm(x - x[nxt], axis=1))
    batch: IntArray = pool[np.array(chosen)]
    return batch
