"""Resolve a whole data set: pick the method (or let ``auto`` pick), fit, calibrate.

``auto`` chooses per data set, from the data alone, by cross-validation:

- with at least :data:`MIN_GOLD_TO_SELECT` gold items, on gold: each candidate is fitted
  with a third of the gold hidden, and the one that gets most hidden gold right wins
  (ties: the better held-out annotation score below);
- otherwise on the annotations: the items are split in two halves; each candidate learns
  its worker parameters on one half and, on the other, predicts every annotation from the
  item's *other* annotations (the posterior they give, through the worker's parameters).
  The method with the best mean log-probability of the annotations it did not see wins.
  Fitting on other items keeps the comparison honest: a richer model that merely memorises
  its workers gains nothing. On data sets too large to split cheaply the comparison runs on
  an evenly spread subset of items (:data:`MAX_SELECTION_ANNOTATIONS` annotations).

The winner (or a method named outright) is then fitted on everything and calibrated: its
temperature comes from held-out gold when there is enough, otherwise from held-out
annotations of fits on 90% of the items (:func:`calibration_heldout`), so that every
confidence is calibrated (see :mod:`veracity.domain.truth.calibration`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from veracity.domain.truth.answers import Answers, FloatArray, IntArray
from veracity.domain.truth.calibration import (
    HeldOut,
    annotation_temperature,
    gold_temperature,
)
from veracity.domain.truth.dawid_skene import dawid_skene, one_coin
from veracity.domain.truth.em import Fit, clamp_gold
from veracity.domain.truth.fitted import FittedModel, first_best
from veracity.domain.truth.glad import glad
from veracity.domain.truth.mace import mace
from veracity.domain.truth.resolution import Method
from veracity.domain.truth.voting import majority_vote, weighted_vote

Fitter = Callable[[Answers, FloatArray | None], Fit]

FITTERS: dict[Method, Fitter] = {
    Method.majority_vote: majority_vote,
    Method.weighted_vote: weighted_vote,
    Method.one_coin: one_coin,
    Method.dawid_skene: dawid_skene,
    Method.glad: glad,
    Method.mace: mace,
}
# What ``auto`` compares, simplest first: on a tie the simpler method wins.
AUTO_CANDIDATES: tuple[Method, ...] = (
    Method.majority_vote,
    Method.weighted_vote,
    Method.one_coin,
    Method.mace,
    Method.glad,
    Method.dawid_skene,
)
# Gold items needed before gold calibrates the confidences, and before it (rather than the
# annotations) picks the method: a few dozen items fit one temperature, but telling methods
# apart by a point or two of accuracy takes more.
MIN_GOLD_TO_CALIBRATE = 30
MIN_GOLD_TO_SELECT = 100
GOLD_FOLDS = 3
ITEM_FOLDS = 2
CALIBRATION_FOLDS = 10
MIN_CALIBRATION_ANNOTATIONS = 20_000
MAX_SELECTION_ANNOTATIONS = 120_000

Choice = Method | Literal["auto"]


@dataclass(frozen=True, eq=False)
class Inference:
    """The resolution of every item of an :class:`Answers`, and how it was reached.

    ``labels[i]`` is item ``i``'s class index, ``confidence[i]`` the calibrated probability
    that it is right (1 for gold items), ``posterior`` every class's. ``model`` resolves
    new items with the same worker parameters. ``criteria`` holds what ``auto`` compared
    (higher is better) and ``criterion`` which yardstick it used: ``gold`` (held-out gold
    accuracy) or ``annotations`` (held-out annotation log-likelihood).
    """

    method: Method
    labels: IntArray
    confidence: FloatArray
    posterior: FloatArray
    model: FittedModel
    criteria: dict[Method, float] = field(default_factory=dict)
    criterion: str = ""


def infer(
    answers: Answers, method: Choice = "auto", *, candidates: Sequence[Method] = AUTO_CANDIDATES
) -> Inference:
    """Resolve every item of ``answers`` with ``method`` (``"auto"``: choose from the data)."""
    criteria: dict[Method, float] = {}
    criterion = ""
    gold_scores: dict[Method, FloatArray] = {}
    if method != "auto":
        chosen = method
    else:
        if len(answers.gold_items) >= MIN_GOLD_TO_SELECT:
            criterion = "gold"
            criteria, gold_scores = _select_by_gold(answers, candidates)
        else:
            criterion = "annotations"
            criteria = _select_by_annotations(answers, candidates)
        # max() keeps the first of equals: the simpler method wins a tie.
        chosen = max(criteria, key=lambda m: criteria[m])
    fit = FITTERS[chosen](answers, None)
    temperature = _temperature(answers, chosen, fit, gold_scores.get(chosen))
    model = fit.model.with_temperature(temperature)
    posterior = clamp_gold(model.calibrated(fit.scores), answers)
    labels = first_best(posterior)
    return Inference(
        method=chosen,
        labels=labels,
        confidence=posterior[np.arange(answers.n_items), labels],
        posterior=posterior,
        model=model,
        criteria=criteria,
        criterion=criterion,
    )


# -- choosing a method -----------------------------------------------------------------------


def _selection_subset(answers: Answers) -> Answers:
    """Every item when the data set is small enough, else every n-th item."""
    if answers.n_annotations <= MAX_SELECTION_ANNOTATIONS:
        return answers
    step = int(np.ceil(answers.n_annotations / MAX_SELECTION_ANNOTATIONS))
    keep = np.zeros(answers.n_items, dtype=bool)
    keep[::step] = True
    return answers.subset(keep, keep_gold=True)


def annotation_heldout(
    answers: Answers,
    method: Method,
    *,
    folds: int = ITEM_FOLDS,
    held: int | None = None,
    initial: FloatArray | None = None,
) -> HeldOut:
    """Cross-fitted predictions of annotations: worker parameters from other items.

    Items are dealt into ``folds`` groups; for each of the first ``held`` groups (all by
    default) the method is fitted on the other groups (from ``initial`` posteriors if
    given) and predicts that group's annotations, each from its item's other annotations.
    """
    fold_of = np.arange(answers.n_items) % folds
    loglik: list[FloatArray] = []
    rest: list[FloatArray] = []
    for fold in range(folds if held is None else held):
        # Numbered anew, so that every array over items is the fold's size, not the data's.
        train = answers.subset(fold_of != fold, keep_gold=True)
        test = answers.subset(fold_of == fold, keep_gold=False)
        start = None if initial is None else initial[fold_of != fold]
        model = FITTERS[method](train, start).model
        ll = model.annotation_loglik(test.workers, test.labels)
        scores = model.item_scores(test)
        usable = test.item_counts[test.items] >= 2
        loglik.append(ll[usable])
        rest.append(scores[test.items[usable]] - ll[usable])
    return HeldOut(loglik=np.concatenate(loglik), rest=np.concatenate(rest))


def calibration_heldout(answers: Answers, fit: Fit, method: Method) -> HeldOut:
    """Held-out predictions for fitting the temperature of ``fit``, from 90% of the items.

    Comparing methods can afford fits on half the items (every method is handicapped
    alike), but a temperature must match the fit on all items: worker parameters learned
    from less data are noisier, and a temperature fitted to them would temper the full fit
    too much. So the items are dealt into ten groups and enough of them are held out in
    turn (up to three) to predict at least :data:`MIN_CALIBRATION_ANNOTATIONS`
    annotations, each fit starting from ``fit``'s posteriors and running at most
    :data:`~veracity.domain.truth.em.WARM_START_ITERATIONS` iterations instead of a full run.
    """
    per_group = max(answers.n_annotations / CALIBRATION_FOLDS, 1.0)
    held = int(min(3, max(1, np.ceil(MIN_CALIBRATION_ANNOTATIONS / per_group))))
    return annotation_heldout(
        answers, method, folds=CALIBRATION_FOLDS, held=held, initial=fit.posterior
    )


def _select_by_annotations(answers: Answers, candidates: Sequence[Method]) -> dict[Method, float]:
    subset = _selection_subset(answers)
    criteria: dict[Method, float] = {}
    for method in candidates:
        view = annotation_heldout(subset, method)
        temperature = annotation_temperature(view)
        criteria[method] = float(view.log_predictive(temperature).mean()) if view.size else 0.0
    return criteria


def gold_heldout_scores(answers: Answers, method: Method) -> FloatArray:
    """Each gold item's log scores from a fit that did not see its gold label."""
    gold_items, gold_labels = answers.gold_items, answers.gold_labels
    # Interleaved by class, so that each fold holds every class.
    order = np.argsort(gold_labels, kind="stable")
    scores = np.zeros((len(gold_items), answers.n_classes))
    for f in range(GOLD_FOLDS):
        fold = order[f::GOLD_FOLDS]
        keep = np.ones(len(gold_items), dtype=bool)
        keep[fold] = False
        partial = answers.with_gold(gold_items[keep], gold_labels[keep])
        scores[fold] = FITTERS[method](partial, None).scores[gold_items[fold]]
    return scores


def _select_by_gold(
    answers: Answers, candidates: Sequence[Method]
) -> tuple[dict[Method, float], dict[Method, FloatArray]]:
    labels = answers.gold_labels
    criteria: dict[Method, float] = {}
    scores: dict[Method, FloatArray] = {}
    tie_break: dict[Method, float] = {}
    for method in candidates:
        held = gold_heldout_scores(answers, method)
        scores[method] = held
        criteria[method] = float((held.argmax(axis=1) == labels).mean())
        view = annotation_heldout(_selection_subset(answers), method)
        tie_break[method] = float(view.log_predictive(annotation_temperature(view)).mean())
    best = max(criteria.values())
    tied = [m for m in candidates if criteria[m] == best]
    winner = max(tied, key=lambda m: tie_break[m])
    # Report the winner a hair ahead so that max() over the criteria names it.
    criteria[winner] += 1e-9
    return criteria, scores


# -- calibrating -----------------------------------------------------------------------------


def _temperature(
    answers: Answers, method: Method, fit: Fit, gold_scores: FloatArray | None
) -> float:
    """The temperature that makes ``method``'s confidences calibrated on this data."""
    if len(answers.gold_items) >= MIN_GOLD_TO_CALIBRATE:
        if gold_scores is None:
            gold_scores = gold_heldout_scores(answers, method)
        return gold_temperature(gold_scores, answers.gold_labels)
    return annotation_temperature(calibration_heldout(answers, fit, method))
