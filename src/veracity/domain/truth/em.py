"""Expectation-maximisation shared by the model-based methods, with gold as known truth.

Each method supplies an M-step (item posteriors -> a :class:`FittedModel`); the E-step is
the model's own :meth:`FittedModel.item_scores`. Gold items are clamped to their known class
in every E-step, so they anchor the worker parameters instead of being estimated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from veracity.domain.truth.answers import Answers, FloatArray
from veracity.domain.truth.fitted import FittedModel

MAX_ITERATIONS = 100
# Stop when no item's posterior moves by more than this in one iteration (a label flips
# only when a posterior crosses another class's, which by then no longer happens).
TOLERANCE = 1e-3
CLASS_PRIOR_PSEUDO_SHARE = 0.01
# A fit given ``initial`` posteriors starts from a nearby fit's (the held-out fits that
# calibrate a full fit): a few iterations bring its worker parameters to their new data,
# while EM's last stretch to the tolerance (dozens of iterations for full Dawid-Skene on a
# million annotations) moves them no further than their sampling noise.
WARM_START_ITERATIONS = 10


def iterations_for(initial: FloatArray | None) -> int:
    """How many EM iterations a fit may take: fewer from a warm start."""
    return MAX_ITERATIONS if initial is None else WARM_START_ITERATIONS


@dataclass(frozen=True, eq=False)
class Fit:
    """A method's result on one data set: the model, raw log scores and posteriors."""

    model: FittedModel
    scores: FloatArray
    posterior: FloatArray
    iterations: int = 0


def softmax(scores: FloatArray) -> FloatArray:
    """Row-wise softmax of log scores (one ``exp`` per entry: this runs every E-step)."""
    top = scores.max(axis=-1, keepdims=True)
    out: FloatArray = np.exp(scores - np.where(np.isfinite(top), top, 0.0))
    out /= out.sum(axis=-1, keepdims=True)
    return out


def clamp_gold(posterior: FloatArray, answers: Answers) -> FloatArray:
    """``posterior`` with every gold item set to certainty in its known class."""
    if len(answers.gold_items):
        posterior[answers.gold_items] = 0.0
        posterior[answers.gold_items, answers.gold_labels] = 1.0
    return posterior


def vote_shares(answers: Answers) -> FloatArray:
    """Each item's share of votes per class (uniform for an item nobody annotated)."""
    counts = answers.vote_counts
    totals = counts.sum(axis=1, keepdims=True)
    uniform = np.full_like(counts, 1.0 / answers.n_classes)
    shares = np.divide(counts, totals, out=uniform, where=totals > 0)
    return clamp_gold(shares, answers)


def class_log_prior(posterior: FloatArray) -> FloatArray:
    """Log class frequencies from soft counts, each class given a few pseudo-items.

    The pseudo-items (1% of the items per class, at least one) keep EM out of the
    degenerate fixed point where one class takes every item: with weak workers and few
    answers per item a skewed prior makes every posterior lean its way, which skews the
    prior further.
    """
    smoothing = 1.0 + CLASS_PRIOR_PSEUDO_SHARE * len(posterior)
    counts = posterior.sum(axis=0) + smoothing
    out: FloatArray = np.log(counts / counts.sum())
    return out


def run_em(
    answers: Answers,
    m_step: Callable[[FloatArray], FittedModel],
    initial: FloatArray,
    *,
    max_iterations: int = MAX_ITERATIONS,
    tolerance: float = TOLERANCE,
) -> Fit:
    """Alternate ``m_step`` and the E-step from ``initial`` posteriors until they settle."""
    posterior = clamp_gold(initial.copy(), answers)
    iterations = 0
    while True:
        model = m_step(posterior)
        scores = model.item_scores(answers)
        updated = clamp_gold(softmax(scores), answers)
        iterations += 1
        change = float(np.abs(updated - posterior).max()) if len(updated) else 0.0
        posterior = updated
        if change < tolerance or iterations >= max_iterations:
            return Fit(model, scores, posterior, iterations)


def pooled_rate(successes: FloatArray, trials: FloatArray) -> float:
    """The population's rate, from every worker's successes and trials."""
    total = float(trials.sum())
    return float(successes.sum()) / total if total > 0 else 0.5
