"""MACE (Hovy et al., 2013): each worker either knows the answer or spams.

With probability ``theta_w`` worker ``w`` gives the true class; otherwise they pick a label
from their own ``strategy_w`` distribution (always the first option, or at random…). So
p(label l | true k) = theta·[l = k] + (1 - theta)·strategy[l]. Fitted by EM with the
spamming indicator as a second hidden variable; ``theta`` and ``strategy`` are shrunk
towards the population's, as the other methods' parameters are. Unlike the paper (and
crowd-kit) it starts from the majority vote instead of random restarts, so results are
deterministic, and it learns class priors.
"""

from __future__ import annotations

import numpy as np

from veracity.domain.truth.answers import Answers, FloatArray
from veracity.domain.truth.dawid_skene import ANCHOR_ACCURACY, ANCHOR_STRENGTH
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

PRIOR_STRENGTH = 2.0
INITIAL_THETA = 0.8


def mace(answers: Answers, initial: FloatArray | None = None) -> Fit:
    """Fit MACE from majority-vote posteriors (gold clamped)."""
    k, n_w = answers.n_classes, answers.n_workers
    workers, labels = answers.workers, answers.labels
    trials = answers.worker_counts.astype(np.float64)
    label_counts = np.bincount(workers * k + labels, minlength=n_w * k).reshape(n_w, k)
    # Before the first E-step: a fairly reliable crowd answering at their own label rates.
    state = {
        "theta": np.full(n_w + 1, INITIAL_THETA),
        "strategy": (label_counts + 1.0) / (label_counts.sum(axis=1, keepdims=True) + k),
    }
    state["strategy"] = np.vstack([state["strategy"], np.full(k, 1.0 / k)])

    worker_label, item_label = answers.worker_label, answers.item_label

    def m_step(posterior: FloatArray) -> FittedModel:
        # p(knew the answer | gave this label, true class = this label), per worker and label.
        theta = state["theta"][:n_w, None]
        knew = theta / (theta + (1 - theta) * state["strategy"][:n_w])
        truthful = posterior.ravel().take(item_label) * knew.ravel().take(worker_label)
        spam = 1.0 - truthful
        knows = np.asarray(np.bincount(workers, weights=truthful, minlength=n_w), np.float64)
        pooled = pooled_rate(knows, trials)
        new_theta = (knows + PRIOR_STRENGTH * pooled + ANCHOR_STRENGTH * ANCHOR_ACCURACY) / (
            trials + PRIOR_STRENGTH + ANCHOR_STRENGTH
        )
        spam_by_label = np.bincount(worker_label, weights=spam, minlength=n_w * k)
        spam_by_label = spam_by_label.reshape(n_w, k)
        pooled_strategy = spam_by_label.sum(axis=0) + 1.0
        pooled_strategy /= pooled_strategy.sum()
        strategy = spam_by_label + PRIOR_STRENGTH * pooled_strategy
        strategy /= strategy.sum(axis=1, keepdims=True)
        state["theta"] = clip_probabilities(np.append(new_theta, pooled))
        state["strategy"] = clip_probabilities(np.vstack([strategy, pooled_strategy]))
        return FittedModel(
            method=Method.mace,
            family=Family.spammer,
            classes=names_or_numbers(answers.class_names, k),
            workers=names_or_numbers(answers.worker_names, n_w),
            log_prior=class_log_prior(posterior),
            params={"theta": state["theta"], "strategy": state["strategy"]},
        )

    return run_em(
        answers,
        m_step,
        vote_shares(answers) if initial is None else initial,
        max_iterations=iterations_for(initial),
    )
