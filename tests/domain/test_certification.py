"""Certifying an auto-labeling threshold: exact bounds, the audit floor, and a certified
bound that does not overstate the model's real accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.domain.certification import audit_needed, certify, clopper_pearson_lower


def test_clopper_pearson_matches_the_closed_form_for_all_successes() -> None:
    # With n successes out of n the bound is (1 - confidence) ** (1 / n).
    for n in (1, 10, 59, 300):
        assert clopper_pearson_lower(n, n, 0.95) == pytest.approx(0.05 ** (1 / n))
    assert clopper_pearson_lower(0, 10) == 0.0
    # More evidence at the same rate gives a tighter bound.
    assert clopper_pearson_lower(90, 100) < clopper_pearson_lower(900, 1000) < 0.9


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and trials"):
        clopper_pearson_lower(5, 4)
    with pytest.raises(ValueError, match="target"):
        certify([0.9], [True], 1.0)
    with pytest.raises(ValueError, match="differ in length"):
        certify([0.9, 0.8], [True], 0.9)


def test_the_audit_floor_is_what_the_issue_states() -> None:
    assert audit_needed(0.95) == 59
    assert audit_needed(0.98) == 149


def test_a_perfect_model_needs_the_floor_and_no_more() -> None:
    confidence = np.linspace(0.5, 1.0, 58)
    assert certify(confidence, np.ones(58, bool), 0.95).threshold is None
    result = certify(np.linspace(0.5, 1.0, 59), np.ones(59, bool), 0.95)
    assert result.threshold == 0.5
    assert result.certified is not None
    assert result.certified.audited == 59


def test_the_first_failure_stops_the_search() -> None:
    # Right above 0.9, wrong half the time between 0.6 and 0.9, right again below:
    # the good items below 0.6 must not be reached.
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.3, 1.0, 3000)
    correct = np.where((conf >= 0.6) & (conf < 0.9), rng.random(3000) < 0.5, True)
    result = certify(conf, correct, 0.95)
    assert result.threshold is not None
    assert result.threshold >= 0.85
    assert result.checks[-1].certified is False


def test_the_certified_bound_is_not_above_the_true_accuracy() -> None:
    # A model whose accuracy at confidence c is c (calibrated): the certified threshold's
    # true accuracy over the whole population must reach the target, across many audits.
    rng = np.random.default_rng(1)
    population = rng.beta(8, 1.5, 200_000)
    truth_correct = rng.random(population.size) < population
    misses = 0
    for _ in range(40):
        audit = rng.choice(population.size, 400, replace=False)
        result = certify(population[audit], truth_correct[audit], 0.95)
        if result.threshold is None:
            continue
        above = population >= result.threshold
        true_accuracy = truth_correct[above].mean()
        assert result.certified is not None
        misses += result.certified.lower_bound > true_accuracy
    # At 95% confidence, about 2 of 40 audits may overstate; far more means it is broken.
    assert misses <= 6
