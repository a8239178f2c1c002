"""Predictions for labeled items from models that did not see their labels (k-fold)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from veracity.domain.models.base import FloatArray, IntArray, LabelModel


def out_of_sample_probabilities(
    make_model: Callable[[], LabelModel],
    items: Sequence[Mapping[str, Any]],
    labels: IntArray,
    n_classes: int,
    *,
    folds: int = 5,
    seed: int = 0,
) -> FloatArray:
    """Each item's class probabilities from a model fitted on the other folds.

    Folds are stratified by label so every class is learned in every fold; with fewer items
    of the rarest class than ``folds``, the number of folds drops to match (at least 2).
    """
    n = len(items)
    if n != len(labels):
        raise ValueError("items and labels differ in length")
    out = np.zeros((n, n_classes))
    if n == 0:
        return out
    counts = np.bincount(labels, minlength=n_classes)
    smallest = int(counts[counts > 0].min())
    k = max(2, min(folds, smallest))
    if n < 2 * k or smallest < 2:
        # Too few items to hold any out: the honest prediction is the class frequencies.
        out[:] = counts / counts.sum()
        return out
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(n), labels):
        model = make_model()
        model.fit([items[i] for i in train], labels[train], n_classes)
        out[test] = model.predict_proba([items[i] for i in test])
    return out
