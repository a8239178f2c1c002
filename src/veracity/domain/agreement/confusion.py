"""Confusion matrices: between annotators of the same item, and against reference labels.

What ``sklearn.metrics.confusion_matrix`` computes, for every worker at once (one call per
worker costs about 0.7 ms); the tests check the results against it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from veracity.domain.agreement.ratings import Ratings, group_keys
from veracity.domain.agreement.results import ConfusionMatrix, WorkerAccuracy

WORKER_MATRIX_LABELS = 50
"""Above this many labels, workers get no matrix of their own: a thousand workers' 200 x 200
matrices would take 400 MB, and no page can draw one."""


def co_occurrence(ratings: Ratings) -> ConfusionMatrix:
    """How often one annotator gave label i while another gave label j to the same item.

    Each pair of answers counts once in each order, so the matrix is symmetric and its total
    is the number of ordered pairs, sum of m (m - 1) over items with m answers.
    """
    va, vb = ratings.pair_values
    size = len(ratings.labels)
    counts = np.bincount((va * size + vb).ravel(), minlength=size * size).reshape(size, size)
    return _matrix(ratings, counts + counts.T)


def against_reference(
    ratings: Ratings, *, matrices: bool = True
) -> tuple[ConfusionMatrix | None, tuple[WorkerAccuracy, ...]]:
    """Every answer against its item's reference label, in total and per worker.

    Only answers to items with a reference count; with pooled questions, each (answer,
    question) decision counts once. Workers come in the order they first appear
    in the answers; workers with nothing to compare are left out. Without ``matrices`` (free
    text, where the labels are every distinct answer) only the counts are given; with more
    than ``WORKER_MATRIX_LABELS`` labels, only the total matrix.
    """
    layout, k = ratings.layout, ratings.questions
    reference = ratings.reference.reshape(layout.n_items, k)[layout.item].ravel()
    compared = reference >= 0
    if not compared.any():
        return None, ()
    worker = np.repeat(layout.worker, k)[compared]
    truth, given = reference[compared], ratings.columns.ravel()[compared]
    n_workers = len(layout.worker_ids)
    per_worker = np.bincount(worker, minlength=n_workers)
    correct = np.bincount(worker[truth == given], minlength=n_workers)
    size = len(ratings.labels)
    cells = size * size
    total: ConfusionMatrix | None = None
    confusion: dict[int, ConfusionMatrix] = {}
    if matrices:
        total = _matrix(ratings, np.bincount(truth * size + given, minlength=cells))
    if matrices and size <= WORKER_MATRIX_LABELS:
        keys, _, counts = group_keys(
            (worker.astype(np.int64) * size + truth) * size + given, n_workers * cells
        )
        owner, cell = keys // cells, keys % cells
        # keys are sorted by worker, so each worker's cells are one slice of them.
        bounds = np.searchsorted(owner, np.arange(n_workers + 1))
        for w in np.flatnonzero(per_worker).tolist():
            counts_w = np.zeros(cells, dtype=np.int64)
            lo, hi = bounds[w], bounds[w + 1]
            counts_w[cell[lo:hi]] = counts[lo:hi]
            confusion[w] = _matrix(ratings, counts_w)
    workers = tuple(
        WorkerAccuracy(
            worker=layout.worker_ids[w],
            compared=int(per_worker[w]),
            correct=int(correct[w]),
            confusion=confusion.get(w),
        )
        for w in np.flatnonzero(per_worker).tolist()
    )
    return total, workers


def _matrix(ratings: Ratings, counts: npt.NDArray[np.generic]) -> ConfusionMatrix:
    """A labels x labels matrix from ``counts`` (flat or square)."""
    size = len(ratings.labels)
    rows = counts.astype(np.int64).reshape(size, size).tolist()
    return ConfusionMatrix(labels=ratings.labels, counts=tuple(tuple(row) for row in rows))
