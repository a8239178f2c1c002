"""Dawid-Skene: workers described by how they label each true class, fitted by EM.

Two variants:

- :func:`dawid_skene` (full confusion): a matrix per worker, so it learns that one worker
  mixes up two particular classes, or always answers the opposite.
- :func:`one_coin`: one accuracy per worker, wrong answers spread evenly. Far fewer
  parameters, so it holds up better when workers give few answers each.

Both shrink each worker towards the population (empirical Bayes): a worker with few
annotations is assumed to behave like the crowd until their answers say otherwise. That is
what keeps the full model from overfitting small data, where plain Dawid-Skene is known to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from veracity.domain.truth.answers import Answers, FloatArray
from veracity.domain.truth.em import (
    Fit,
    class_log_prior,
    iterations_for,
    pooled_rate,
    run_em,
    vote_shares,
)
from veracity.domain.truth.fitted import Family, FittedModel, clip_probabilities, names_or_numbers
from veracity.domain.truth.resolution import Method

# Pseudo-annotations a worker's parameters start from, taken from the population's.
CONFUSION_PRIOR_STRENGTH = 0.5
ONE_COIN_PRIOR_STRENGTH = 2.0
# And one pseudo-annotation at this accuracy: the population itself is estimated from the
# data, so on tiny or ambiguous data nothing else says that workers beat chance, and EM
# can settle on the mirror image of the truth.
ANCHOR_ACCURACY = 0.7
ANCHOR_STRENGTH = 1.0
# The full model has K - 1 parameters per row to the one-coin model's one per worker: it
# gets lighter pseudo-counts, or it could not learn the confusions it exists to learn
# (measured on the benchmark: 4 pseudo-answers cost it 0.3 points with adversaries).
CONFUSION_ANCHOR_STRENGTH = 0.5


def anchor_matrix(k: int) -> FloatArray:
    """The confusion matrix of a worker of :data:`ANCHOR_ACCURACY`."""
    if k == 1:
        return np.ones((1, 1))
    matrix = np.full((k, k), (1 - ANCHOR_ACCURACY) / (k - 1))
    np.fill_diagonal(matrix, ANCHOR_ACCURACY)
    return matrix


@dataclass(frozen=True, eq=False)
class _Accuracy:
    """Each worker's expected correct answers and answers, and the prior they shrink to."""

    correct: FloatArray
    trials: FloatArray
    pooled: float

    @classmethod
    def of(cls, answers: Answers, posterior: FloatArray) -> _Accuracy:
        correct = np.asarray(
            np.bincount(
                answers.workers,
                weights=posterior.ravel().take(answers.item_label),
                minlength=answers.n_workers,
            ),
            dtype=np.float64,
        )
        trials = answers.worker_counts.astype(np.float64)
        return cls(correct, trials, pooled_rate(correct, trials))

    def estimate(self, correct: FloatArray, trials: FloatArray) -> FloatArray:
        s, a = ONE_COIN_PRIOR_STRENGTH, ANCHOR_STRENGTH
        estimate = (correct + s * self.pooled + a * ANCHOR_ACCURACY) / (trials + s + a)
        return clip_probabilities(estimate)


def one_coin_model(
    answers: Answers, posterior: FloatArray, *, method: Method, with_prior: bool = True
) -> FittedModel:
    """One accuracy per worker: expected share of their answers that are the true class."""
    stats = _Accuracy.of(answers, posterior)
    accuracy = np.append(stats.estimate(stats.correct, stats.trials), stats.pooled)
    k = answers.n_classes
    return FittedModel(
        method=method,
        family=Family.symmetric,
        classes=names_or_numbers(answers.class_names, k),
        workers=names_or_numbers(answers.worker_names, answers.n_workers),
        log_prior=class_log_prior(posterior) if with_prior else np.full(k, -np.log(k)),
        params={"accuracy": clip_probabilities(accuracy)},
    )


@dataclass(frozen=True, eq=False)
class _Confusion:
    """Each worker's expected (true class, label) counts and the pseudo-counts added."""

    counts: FloatArray  # [worker, true, label]
    prior: FloatArray  # [worker, true, label]
    pooled: FloatArray  # [true, label]

    @classmethod
    def of(cls, answers: Answers, posterior: FloatArray) -> _Confusion:
        k = answers.n_classes
        # (workers·labels x classes): row w·K + l, column k = expected count of (k, l).
        counts = np.asarray(answers.worker_item_label @ posterior)
        counts = counts.reshape(answers.n_workers, k, k).transpose(0, 2, 1)
        pooled = counts.sum(axis=0) + 1.0 / k
        pooled /= pooled.sum(axis=1, keepdims=True)
        # The prior mean is half the pooled matrix, half the worker's own one-coin matrix:
        # the crowd's typical confusions, at this worker's level of accuracy.
        stats = _Accuracy(np.einsum("wkk->w", counts), counts.sum(axis=(1, 2)).astype(float), 0.0)
        stats = _Accuracy(stats.correct, stats.trials, pooled_rate(stats.correct, stats.trials))
        acc = stats.estimate(stats.correct, stats.trials)
        own = np.repeat(((1 - acc) / max(k - 1, 1))[:, None, None], k, axis=1).repeat(k, axis=2)
        own[:, np.arange(k), np.arange(k)] = acc[:, None]
        prior = CONFUSION_PRIOR_STRENGTH * (0.5 * own + 0.5 * pooled[None])
        prior += CONFUSION_ANCHOR_STRENGTH * anchor_matrix(k)[None]
        return cls(counts, prior, pooled)


def confusion_model(answers: Answers, posterior: FloatArray) -> FittedModel:
    """A confusion matrix per worker from expected counts, shrunk towards a prior."""
    stats = _Confusion.of(answers, posterior)
    smoothed = stats.counts + stats.prior
    confusion = smoothed / smoothed.sum(axis=2, keepdims=True)
    confusion = np.maximum(np.concatenate([confusion, stats.pooled[None]], axis=0), 1e-9)
    return FittedModel(
        method=Method.dawid_skene,
        family=Family.confusion,
        classes=names_or_numbers(answers.class_names, answers.n_classes),
        workers=names_or_numbers(answers.worker_names, answers.n_workers),
        log_prior=class_log_prior(posterior),
        params={"confusion": confusion},
    )


def dawid_skene(answers: Answers, initial: FloatArray | None = None) -> Fit:
    """Full-confusion Dawid-Skene from majority-vote posteriors (gold clamped)."""
    start = vote_shares(answers) if initial is None else initial
    return run_em(
        answers,
        lambda q: confusion_model(answers, q),
        start,
        max_iterations=iterations_for(initial),
    )


def one_coin(answers: Answers, initial: FloatArray | None = None) -> Fit:
    """One-coin Dawid-Skene from majority-vote posteriors (gold clamped)."""
    start = vote_shares(answers) if initial is None else initial
    return run_em(
        answers,
        lambda q: one_coin_model(answers, q, method=Method.one_coin),
        start,
        max_iterations=iterations_for(initial),
    )
