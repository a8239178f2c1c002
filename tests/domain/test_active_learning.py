"""Active learning scores: the unsure rank first, and a diverse batch spreads out."""

from __future__ import annotations

import numpy as np
import pytest

from veracity.domain.active_learning import Strategy, diverse_batch, most_uncertain, uncertainty

P = np.array([[0.98, 0.01, 0.01], [0.4, 0.35, 0.25], [0.5, 0.5, 0.0], [0.7, 0.2, 0.1]])


@pytest.mark.parametrize("strategy", list(Strategy))
def test_scores_lie_in_0_1_and_rank_the_sure_row_last(strategy: Strategy) -> None:
    scores = uncertainty(P, strategy)
    assert np.all((scores >= 0) & (scores <= 1 + 1e-12))
    assert most_uncertain(P, 4, strategy)[-1] == 0


def test_strategies_differ_where_they_should() -> None:
    # A tie between two classes has no margin at all; the flat row is the most entropic.
    assert most_uncertain(P, 1, Strategy.margin)[0] == 2
    assert most_uncertain(P, 1, Strategy.entropy)[0] == 1
    assert uncertainty(np.array([[0.5, 0.5]]), Strategy.least_confidence)[0] == pytest.approx(1)


def test_one_class_is_refused() -> None:
    with pytest.raises(ValueError, match="two classes"):
        uncertainty(np.ones((3, 1)))


def test_a_diverse_batch_takes_one_of_each_cluster_of_near_copies() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10]], dtype=float)
    features = np.repeat(centres, 20, axis=0) + rng.normal(0, 0.1, (60, 2))
    # Cluster 0 is the least sure of all, so pure uncertainty takes only from it.
    probabilities = np.tile([0.5, 0.5], (60, 1))
    probabilities[:20] = [0.5, 0.5]
    probabilities[20:] = [0.6, 0.4]
    probabilities[40:] = [0.62, 0.38]
    plain = most_uncertain(probabilities, 3)
    assert set(plain // 20) == {0}
    batch = diverse_batch(probabilities, features, 3, pool_factor=20)
    assert set(batch // 20) == {0, 1, 2}
