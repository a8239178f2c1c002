"""Likely label errors: resolved items whose label the evidence says is probably wrong.

Confident learning (Northcutt et al., 2021, through cleanlab) over two kinds of evidence,
combined as CROWDLAB does (Goh et al., 2022): a model's out-of-sample class probabilities
for each item, and the item's annotators' votes. Each source is weighted by how well it
agrees with the resolutions overall, so a weak model or a noisy crowd counts for less, and
an item with many annotators leans on its votes more than one with a single annotation.
Items the combined evidence disagrees with confidently are flagged, worst first.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Smoothing of one annotator's vote into a distribution: a vote is strong evidence, never
# certainty (with k classes, the voted class gets 1 - SMOOTHING and the rest share it).
SMOOTHING = 0.1


@dataclass(frozen=True, slots=True)
class LikelyError:
    """One flagged item: its position in the input, how good its label looks (0 to 1,
    lower is worse) and the class the evidence favours instead."""

    index: int
    quality: float
    suggested: int


def combined_probabilities(
    labels: IntArray,
    votes: FloatArray,
    model_probabilities: FloatArray | None,
) -> FloatArray:
    """Class probabilities per item from the votes (``votes[i, c]``: how many annotators of
    item ``i`` chose class ``c``) and, when given, a model's out-of-sample predictions.

    Weights: the model's by its accuracy against ``labels``; each vote's by how often two
    annotators of the same item agree, both measured relative to always guessing the most
    common class, as CROWDLAB does. Where no item has two votes, the votes are the labels
    and carry no evidence of their own: the model's view is all there is.
    """
    n, k = votes.shape
    n_votes = votes.sum(axis=1)
    if np.any(n_votes <= 0):
        raise ValueError("every item needs at least one vote")
    baseline = float(np.bincount(labels, minlength=k).max() / max(n, 1))
    total = np.zeros((n, k))
    weights = np.zeros(n)
    agreement = _leave_one_out_agreement(votes)
    if agreement is not None:
        vote_weight = _skill(agreement, baseline)
        smoothed = votes * (1 - SMOOTHING) + n_votes[:, None] * SMOOTHING / k
        total += smoothed * vote_weight
        weights += n_votes * vote_weight
    if model_probabilities is not None:
        model_accuracy = float(np.mean(np.argmax(model_probabilities, axis=1) == labels))
        model_weight = _skill(model_accuracy, baseline)
        total += model_probabilities * model_weight
        weights += model_weight
    if agreement is None and model_probabilities is None:
        raise ValueError("single votes are the labels themselves: they need a model's view")
    combined: FloatArray = total / weights[:, None]
    return combined


def _leave_one_out_agreement(votes: FloatArray) -> float | None:
    """How often one annotator's vote matches another's on the same item: the chance that
    two annotators agree, from items with at least two votes. None without such items, where
    each vote is the item's label itself and says nothing about its own reliability."""
    n_votes = votes.sum(axis=1)
    shared = n_votes >= 2
    if not np.any(shared):
        return None
    v, n_v = votes[shared], n_votes[shared]
    pairs_agreeing = (v * (v - 1)).sum(axis=1)
    return float(pairs_agreeing.sum() / (n_v * (n_v - 1)).sum())


def _skill(accuracy: float, baseline: float) -> float:
    """How much better than guessing the most common class, floored so a source is never
    weighted to nothing (CROWDLAB's weight: 1 - error / baseline error)."""
    baseline_error = max(1.0 - baseline, 1e-6)
    return max(1.0 - (1.0 - accuracy) / baseline_error, 0.01)


def likely_label_errors(
    labels: IntArray,
    votes: FloatArray,
    model_probabilities: FloatArray | None = None,
) -> list[LikelyError]:
    """The items whose resolved ``labels`` are probably wrong, worst first.

    ``votes`` and ``model_probabilities`` are as for :func:`combined_probabilities`. Needs at
    least two classes among the labels; returns nothing otherwise.
    """
    # cleanlab is imported here, not at module level: it pulls in pandas, which only this
    # job needs, and importing it costs a second at startup.
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    n, k = votes.shape
    if n == 0 or len(np.unique(labels)) < 2:
        return []
    probabilities = combined_probabilities(labels, votes, model_probabilities)
    present = np.unique(labels)
    # cleanlab wants every class in its columns to occur among the labels: drop the classes
    # nobody's label has (they cannot be confused with anything) and renumber.
    column_of = np.full(k, -1, dtype=np.int64)
    column_of[present] = np.arange(len(present))
    reduced = probabilities[:, present]
    reduced = reduced / reduced.sum(axis=1, keepdims=True)
    reduced_labels = column_of[labels]
    with warnings.catch_warnings():
        # cleanlab warns about tiny classes; a small project is not a reason to fail.
        warnings.simplefilter("ignore")
        confident = find_label_issues(reduced_labels, reduced)
        quality = get_label_quality_scores(reduced_labels, reduced)
    # Confident learning keeps only as many flags per pair of classes as it estimates wrong
    # labels, so it passes over an item just under its per-class threshold even when the
    # item's own annotators favour another class. Review is cheap next to a wrong training
    # label: flag those too (the evidence's favourite differs and gives the label < 1/2),
    # but only where several people voted: a model's view alone is what confident
    # learning's thresholds are for (measured: on 400 SMS messages, flagging every item the
    # model merely disagrees with tripled the false flags).
    given = reduced[np.arange(n), reduced_labels]
    contradicted = (
        (np.argmax(reduced, axis=1) != reduced_labels) & (given < 0.5) & (votes.sum(axis=1) >= 2)
    )
    flagged = np.flatnonzero(confident | contradicted)
    flagged = flagged[np.argsort(quality[flagged], kind="stable")]
    return [
        LikelyError(
            index=int(i),
            quality=round(float(quality[i]), 6),
            suggested=int(present[int(np.argmax(reduced[i]))]),
        )
        for i in flagged
    ]
