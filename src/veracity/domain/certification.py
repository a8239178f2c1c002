"""Certifying a model's confidence threshold from a uniform random audit of human labels.

A model may label an item on its own only where a measured estimate says its labels meet
the project's accuracy target. The estimate comes from an *audit*: items drawn uniformly at
random, labeled by people, and also predicted by the model. For a threshold t, the audit
items the model predicts with confidence >= t are a uniform sample of the items it would
auto-label at t, so the share of them it got right estimates its accuracy there; the
one-sided Clopper-Pearson bound turns that share into a lower bound that holds with the
stated confidence.

Thresholds are tested from high to low and testing stops at the first that fails
(fixed-sequence testing): the chance that any certified threshold is wrong stays within
``1 - confidence`` without a multiple-testing correction, because no threshold is tested
unless every stricter one passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import beta

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DEFAULT_THRESHOLDS: tuple[float, ...] = tuple(round(1.0 - 0.005 * i, 3) for i in range(101))


def clopper_pearson_lower(successes: int, trials: int, confidence: float = 0.95) -> float:
    """The one-sided lower confidence bound of a success rate (exact binomial): the true
    rate is at least this with probability ``confidence``. 0 with no trials."""
    if not 0 <= successes <= trials:
        raise ValueError("successes must lie between 0 and trials")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must lie strictly between 0 and 1")
    if successes == 0:
        return 0.0
    return float(beta.ppf(1.0 - confidence, successes, trials - successes + 1))


def audit_needed(target: float, confidence: float = 0.95) -> int:
    """The fewest error-free audit labels that can certify ``target`` at all (about 59 for
    0.95 at 95% confidence, 149 for 0.98): a floor no model can go below."""
    n = 1
    while clopper_pearson_lower(n, n, confidence) < target:
        n += 1
    return n


@dataclass(frozen=True, slots=True)
class ThresholdCheck:
    """What the audit says about auto-labeling at one threshold."""

    threshold: float
    audited: int
    correct: int
    lower_bound: float
    certified: bool

    @property
    def accuracy(self) -> float | None:
        """The audit's observed accuracy above the threshold (None with no audit items)."""
        return self.correct / self.audited if self.audited else None


@dataclass(frozen=True, slots=True)
class Certification:
    """The lowest threshold certified to meet the target (None: none is), and every
    threshold tested on the way, highest first."""

    target: float
    confidence: float
    threshold: float | None
    checks: tuple[ThresholdCheck, ...]

    @property
    def certified(self) -> ThresholdCheck | None:
        """The check of the certified threshold."""
        passed = [c for c in self.checks if c.certified]
        return passed[-1] if passed else None


def certify(
    audit_confidence: Sequence[float] | FloatArray,
    audit_correct: Sequence[bool] | BoolArray,
    target: float,
    *,
    confidence: float = 0.95,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    min_audited: int = 1,
) -> Certification:
    """Certify the lowest threshold whose audited accuracy bound reaches ``target``.

    ``audit_confidence[i]`` is the model's confidence on audit item ``i`` and
    ``audit_correct[i]`` whether its prediction matched the people's label. Thresholds are
    tried from high to low; thresholds with too few audit items above them to certify
    anything (fewer than ``min_audited``, or than :func:`audit_needed`) are passed over, and
    the first tested threshold whose bound falls under ``target`` ends the search.
    """
    if not 0.0 < target < 1.0:
        raise ValueError("target must lie strictly between 0 and 1")
    conf = np.asarray(audit_confidence, dtype=np.float64)
    correct = np.asarray(audit_correct, dtype=np.bool_)
    if conf.shape != correct.shape:
        raise ValueError("audit_confidence and audit_correct differ in length")
    # A threshold with fewer audit items than could ever certify the target (even all
    # right) is skipped rather than failed: whether it is tested depends only on the model's
    # confidences, not on any outcome, so skipping it keeps the sequence valid, and the
    # highest thresholds (with few items above them) do not end the search before it starts.
    floor = max(min_audited, audit_needed(target, confidence))
    checks: list[ThresholdCheck] = []
    best: float | None = None
    for threshold in sorted(set(thresholds), reverse=True):
        above = conf >= threshold
        audited = int(above.sum())
        right = int(correct[above].sum())
        bound = clopper_pearson_lower(right, audited, confidence) if audited else 0.0
        passed = audited >= floor and bound >= target
        checks.append(ThresholdCheck(threshold, audited, right, round(bound, 6), passed))
        if passed:
            best = threshold
        elif audited >= floor:
            break  # the first failure ends the sequence
    return Certification(target, confidence, best, tuple(checks))
