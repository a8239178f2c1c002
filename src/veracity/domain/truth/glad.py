"""GLAD (Whitehill et al., 2009): worker ability times item difficulty.

A worker ``w`` labels item ``i`` correctly with probability ``sigmoid(alpha_w * beta_i)``,
``beta_i = exp(b_i) > 0``; wrong labels are equally likely. ``alpha`` below zero is an
adversary, near zero a spammer; a small ``beta`` marks an item that fools everyone. EM: the
E-step is closed-form, the M-step Newton steps on the expected
log-likelihood with Gaussian priors ``alpha ~ N(1, 1)``, ``b ~ N(0, 1)``, its gradient
summed over annotations with ``bincount``.

For a new item the difficulty is unknown; the fitted model resolves it with the typical
(median) difficulty, which makes it a one-coin model with accuracy
``sigmoid(alpha_w * beta)``.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit

from veracity.domain.truth.answers import Answers, FloatArray, sum_by
from veracity.domain.truth.em import (
    WARM_START_ITERATIONS,
    Fit,
    clamp_gold,
    class_log_prior,
    softmax,
    vote_shares,
)
from veracity.domain.truth.fitted import Family, FittedModel, clip_probabilities, names_or_numbers
from veracity.domain.truth.resolution import Method

ALPHA_PRIOR_MEAN = 1.0
M_STEP_ROUNDS = 2
GLAD_MAX_ITERATIONS = 50
GLAD_TOLERANCE = 1e-3


def _evidence(answers: Answers, alpha: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per-annotation (base, delta): log p(label | class) = base + delta·[class = label]."""
    x = alpha[answers.workers] * np.exp(b[answers.items])
    base = log_expit(-x) - np.log(max(answers.n_classes - 1, 1))
    return base, log_expit(x) - base


def _scores(answers: Answers, base: FloatArray, delta: FloatArray, prior: FloatArray) -> FloatArray:
    n, k = answers.n_items, answers.n_classes
    per_item = np.bincount(answers.items, weights=base, minlength=n)
    per_label = np.bincount(answers.item_label, weights=delta, minlength=n * k)
    return per_item[:, None] + per_label.reshape(n, k) + prior


def _m_step(
    answers: Answers, posterior: FloatArray, alpha: FloatArray, b: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Newton (Fisher scoring) steps on the expected log-likelihood plus the log-priors.

    Given the difficulties, each worker's ``alpha`` is a one-dimensional problem, and given
    the abilities each item's ``b``: alternating one diagonal Newton step on each, with
    gradients and curvatures summed by ``bincount``, climbs as far per pass as several
    L-BFGS iterations over all parameters at once, at a fraction of the cost.
    """
    correct = posterior.ravel().take(answers.item_label)
    n_w, n_i = answers.n_workers, answers.n_items
    workers, items = answers.workers, answers.items
    for _ in range(M_STEP_ROUNDS):
        beta = np.exp(b)[items]
        x = alpha[workers] * beta
        p = expit(x)
        grad = sum_by(workers, (correct - p) * beta, n_w) - (alpha - ALPHA_PRIOR_MEAN)
        curve = sum_by(workers, p * (1 - p) * beta**2, n_w)
        alpha = alpha + grad / (curve + 1.0)
        x = alpha[workers] * beta
        p = expit(x)
        grad = sum_by(items, (correct - p) * x, n_i) - b
        curve = sum_by(items, p * (1 - p) * x**2, n_i) + 1.0
        b = np.clip(b + np.clip(grad / curve, -1.0, 1.0), -5.0, 5.0)
    return alpha, b


def glad(answers: Answers, initial: FloatArray | None = None) -> Fit:
    """Fit GLAD from majority-vote posteriors (gold clamped)."""
    posterior = clamp_gold((vote_shares(answers) if initial is None else initial).copy(), answers)
    alpha = np.full(answers.n_workers, ALPHA_PRIOR_MEAN)
    b = np.zeros(answers.n_items)
    iterations = 0
    limit = GLAD_MAX_ITERATIONS if initial is None else WARM_START_ITERATIONS
    while True:
        alpha, b = _m_step(answers, posterior, alpha, b)
        prior = class_log_prior(posterior)
        base, delta = _evidence(answers, alpha, b)
        scores = _scores(answers, base, delta, prior)
        updated = clamp_gold(softmax(scores), answers)
        iterations += 1
        change = float(np.abs(updated - posterior).max()) if len(updated) else 0.0
        posterior = updated
        if change < GLAD_TOLERANCE or iterations >= limit:
            break
    # Items nobody annotated keep b = 0; the typical difficulty comes from the others.
    annotated = answers.item_counts > 0
    beta = float(np.exp(np.median(b[annotated]))) if annotated.any() else 1.0
    accuracy = clip_probabilities(expit(np.append(alpha, ALPHA_PRIOR_MEAN) * beta))
    model = FittedModel(
        method=Method.glad,
        family=Family.symmetric,
        classes=names_or_numbers(answers.class_names, answers.n_classes),
        workers=names_or_numbers(answers.worker_names, answers.n_workers),
        log_prior=prior,
        params={"accuracy": accuracy},
        info={"difficulty": b},
    )
    return Fit(model, scores, posterior, iterations)
