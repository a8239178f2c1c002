"""Majority vote and weighted vote over encoded answers.

Both are written as the same kind of model as the others (a per-worker accuracy), so their
confidences are probabilities that calibrate, and new items resolve incrementally like any
other method's:

- majority vote gives every worker the crowd's overall accuracy, so an item's posterior
  depends only on its vote counts and the most-voted class wins (ties: the class listed
  first);
- weighted vote gives each worker their own accuracy, measured against the majority (and
  against gold where they answered gold items), and weighs their vote by its log-odds,
  which is the optimal weight for independent workers. One pass, no iteration.
"""

from __future__ import annotations

import numpy as np

from veracity.domain.truth.answers import Answers, FloatArray
from veracity.domain.truth.dawid_skene import one_coin_model
from veracity.domain.truth.em import Fit, clamp_gold, pooled_rate, softmax, vote_shares
from veracity.domain.truth.fitted import EPS, Family, FittedModel, names_or_numbers
from veracity.domain.truth.resolution import Method


def majority_vote(answers: Answers, initial: FloatArray | None = None) -> Fit:
    """The most-voted class per item, with the crowd's accuracy as every worker's.

    ``initial`` is accepted for a uniform signature and ignored: nothing iterates.
    """
    shares = vote_shares(answers)
    k = answers.n_classes
    agreement = shares[answers.items, answers.labels]
    accuracy = pooled_rate(agreement, np.ones_like(agreement))
    # A vote must count for its class: keep the shared accuracy above chance.
    accuracy = min(max(accuracy, 1.0 / k + 0.01), 1 - EPS)
    model = FittedModel(
        method=Method.majority_vote,
        family=Family.symmetric,
        classes=names_or_numbers(answers.class_names, k),
        workers=names_or_numbers(answers.worker_names, answers.n_workers),
        log_prior=np.full(k, -np.log(k)),
        params={"accuracy": np.full(answers.n_workers + 1, accuracy)},
    )
    scores = model.item_scores(answers)
    return Fit(model, scores, clamp_gold(softmax(scores), answers))


def weighted_vote(answers: Answers, initial: FloatArray | None = None) -> Fit:
    """Votes weighted by each worker's accuracy against the majority and gold.

    ``initial`` is accepted for a uniform signature and ignored: one pass from the vote.
    """
    shares = vote_shares(answers)
    model = one_coin_model(answers, shares, method=Method.weighted_vote, with_prior=False)
    scores = model.item_scores(answers)
    return Fit(model, scores, clamp_gold(softmax(scores), answers))
