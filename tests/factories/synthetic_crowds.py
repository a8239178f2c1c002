"""Seeded synthetic crowds with known truth, for testing truth inference.

Each worker has a confusion matrix drawn from their type: ``good`` (accuracy drawn from a
range, wrong answers spread with some class-specific bias), ``spammer`` (answers from a
fixed favourite distribution, whatever the truth), ``adversary`` (answers the next class
round, nearly always). Workers are assigned to items at random, each item by ``per_item``
distinct workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from veracity.domain.truth import Answers


@dataclass(frozen=True)
class Crowd:
    """Encoded answers and the truth behind them."""

    answers: Answers
    truth: npt.NDArray[np.int64]
    kinds: list[str]


def synthetic_crowd(
    *,
    seed: int,
    n_items: int = 600,
    n_workers: int = 30,
    n_classes: int = 3,
    per_item: int = 5,
    spammers: float = 0.0,
    adversaries: float = 0.0,
    accuracy: tuple[float, float] = (0.6, 0.9),
    prior: list[float] | None = None,
) -> Crowd:
    """A crowd whose worker types come in the given shares (the rest are ``good``)."""
    rng = np.random.default_rng(seed)
    k = n_classes
    p = np.full(k, 1.0 / k) if prior is None else np.asarray(prior) / np.sum(prior)
    truth = rng.choice(k, size=n_items, p=p)
    kinds = ["spammer"] * round(spammers * n_workers) + ["adversary"] * round(
        adversaries * n_workers
    )
    kinds += ["good"] * (n_workers - len(kinds))
    confusion = np.zeros((n_workers, k, k))
    for w, kind in enumerate(kinds):
        if kind == "good":
            a = rng.uniform(*accuracy)
            m = np.full((k, k), (1 - a) / (k - 1))
            np.fill_diagonal(m, a)
            m += 0.1 * rng.dirichlet(np.ones(k), size=k)
        elif kind == "spammer":
            m = np.tile(rng.dirichlet(np.ones(k)), (k, 1))
        else:
            m = np.full((k, k), 0.05)
            m[np.arange(k), (np.arange(k) + 1) % k] = 1.0
        confusion[w] = m / m.sum(axis=1, keepdims=True)
    items = np.repeat(np.arange(n_items), per_item)
    workers = np.concatenate(
        [rng.choice(n_workers, size=per_item, replace=False) for _ in range(n_items)]
    )
    cumulative = confusion[workers, truth[items]].cumsum(axis=1)
    labels = np.minimum((rng.random(len(items))[:, None] > cumulative).sum(axis=1), k - 1)
    answers = Answers.from_arrays(
        items, workers, labels, n_classes=k, n_items=n_items, n_workers=n_workers
    )
    return Crowd(answers, truth.astype(np.int64), kinds)


def accuracy(labels: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]) -> float:
    """Share of items resolved to their true class."""
    return float((labels == truth).mean())
