"""The built-in model for text items: TF-IDF features and a logistic regression.

A strong, fast baseline for text classification that trains in seconds on tens of
thousands of items on one core and needs nothing downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from veracity.domain.models.base import FloatArray, IntArray, item_text


class TextClassifier:
    """TF-IDF (words and word pairs, sublinear term frequency) + logistic regression."""

    # Weak regularization suits sparse TF-IDF features: on the SMS spam set (400 and 1,000
    # messages) C = 16 was 3 points more accurate out of sample than C = 4 and 7 than C = 1.
    def __init__(self, *, regularization: float = 16.0, max_features: int = 200_000) -> None:
        self._regularization = regularization
        self._max_features = max_features
        self._pipeline: Pipeline | None = None
        self._columns: IntArray = np.zeros(0, dtype=np.int64)
        self._n_classes = 0

    def fit(self, items: Sequence[Mapping[str, Any]], labels: IntArray, n_classes: int) -> None:
        """Learn from labeled items. Classes never seen in ``labels`` get probability 0."""
        self._n_classes = n_classes
        seen = np.unique(labels)
        self._columns = seen.astype(np.int64)
        if len(seen) < 2:
            # One class only: nothing to tell apart; predict it with certainty.
            self._pipeline = None
            return
        self._pipeline = make_pipeline(
            TfidfVectorizer(
                ngram_range=(1, 2),
                sublinear_tf=True,
                min_df=1,
                max_features=self._max_features,
            ),
            # saga: several times faster than lbfgs on sparse TF-IDF rows (which are
            # L2-normalised, so it converges quickly).
            LogisticRegression(C=self._regularization, solver="saga", max_iter=1000),
        )
        self._pipeline.fit([item_text(item) for item in items], labels)

    def predict_proba(self, items: Sequence[Mapping[str, Any]]) -> FloatArray:
        """One row per item, one column per class of the field."""
        out = np.zeros((len(items), self._n_classes))
        if self._pipeline is None:
            if len(self._columns):
                out[:, self._columns[0]] = 1.0
            return out
        probabilities = self._pipeline.predict_proba([item_text(item) for item in items])
        out[:, self._columns] = probabilities
        return out
