"""Making confidences mean what they say, and measuring whether they do.

A model's posterior is overconfident whenever its assumptions fail (workers who err on the
same hard items, parameters estimated from few answers). One temperature ``T`` fixes most
of that: probabilities become ``softmax(scores / T)``. It is fitted

- on gold, when there is enough: the out-of-fold scores of gold items against their known
  class (log loss);
- otherwise on the annotations themselves: on items the worker parameters were not fitted
  on, how well each item's posterior from its *other* annotations predicts an annotation,
  through the worker's parameters (:func:`veracity.domain.truth.inference.annotation_heldout`).
  An overconfident posterior predicts other people's answers badly, so the temperature
  that predicts them best is the one that tempers it, with no ground truth needed.

:func:`expected_calibration_error` and :func:`reliability` measure the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.optimize import minimize_scalar

from veracity.domain.truth.answers import FloatArray, IntArray
from veracity.domain.truth.fitted import logsumexp_rows

MIN_TEMPERATURE = 0.2
MAX_TEMPERATURE = 10.0
PREDICTIVE_FLOOR = 0.1
# One number needs few data: a temperature is fitted on at most this many annotations.
MAX_FOR_TEMPERATURE = 20_000


def _bounded_minimum(loss: Callable[[float], float]) -> float:
    result = minimize_scalar(
        loss,
        bounds=(np.log(MIN_TEMPERATURE), np.log(MAX_TEMPERATURE)),
        method="bounded",
        options={"xatol": 1e-2},
    )
    return float(np.exp(result.x))


def gold_temperature(scores: FloatArray, labels: IntArray) -> float:
    """The temperature that minimises the log loss of ``scores`` at the known ``labels``."""

    def loss(log_t: float) -> float:
        tempered = scores / np.exp(log_t)
        picked = tempered[np.arange(len(labels)), labels]
        return float((logsumexp_rows(tempered)[:, 0] - picked).mean())

    return _bounded_minimum(loss)


@dataclass(frozen=True, eq=False)
class HeldOut:
    """Each sampled annotation's worker log-likelihoods and its item's scores without it."""

    loglik: FloatArray  # (n x classes) log p(given label | class)
    rest: FloatArray  # (n x classes) the item's log scores minus this annotation's evidence

    def sample(self, n: int) -> HeldOut:
        """At most ``n`` of the annotations, evenly spaced (deterministic)."""
        if self.size <= n:
            return self
        picked = np.linspace(0, self.size - 1, n).astype(np.int64)
        return HeldOut(loglik=self.loglik[picked], rest=self.rest[picked])

    @cached_property
    def likelihood(self) -> FloatArray:
        """``exp(loglik)``: p(given label | class), computed once."""
        return np.exp(self.loglik)

    @property
    def size(self) -> int:
        """How many annotations were held out."""
        return len(self.loglik)

    def log_predictive(self, temperature: float = 1.0) -> FloatArray:
        """log p(annotation | the item's other annotations), per held-out annotation.

        The worker's answer is predicted with a little of every label mixed in
        (:data:`PREDICTIVE_FLOOR`): a full confusion matrix fitted on few answers puts
        near-zero probability on confusions it has not seen, and the rare answer that makes
        one would otherwise weigh on the temperature as if the item's posterior were wrong.
        """
        # sum_k p(k | rest) p(label | k), in probabilities: one exp per entry per call (the
        # temperature search calls this a dozen times).
        tempered = self.rest / temperature
        weights = np.exp(tempered - tempered.max(axis=1, keepdims=True))
        predicted = (weights * self.likelihood).sum(axis=1) / weights.sum(axis=1)
        k = self.loglik.shape[1]
        out: FloatArray = np.log((1 - PREDICTIVE_FLOOR) * predicted + PREDICTIVE_FLOOR / k)
        return out


def annotation_temperature(heldout: HeldOut) -> float:
    """The temperature under which items' posteriors best predict held-out annotations.

    One number needs few data: at most :data:`MAX_FOR_TEMPERATURE` annotations, evenly
    spaced, are used.
    """
    if heldout.size == 0:
        return 1.0
    sample = heldout.sample(MAX_FOR_TEMPERATURE)
    return _bounded_minimum(lambda log_t: -float(sample.log_predictive(np.exp(log_t)).mean()))


def expected_calibration_error(
    confidence: FloatArray, correct: FloatArray, bins: int = 10
) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by size."""
    if len(confidence) == 0:
        return 0.0
    table = reliability(confidence, correct, bins)
    return float(sum(n * abs(acc - conf) for _, _, n, conf, acc in table) / len(confidence))


def reliability(
    confidence: FloatArray, correct: FloatArray, bins: int = 10
) -> list[tuple[float, float, int, float, float]]:
    """Per non-empty bin: (low, high, count, mean confidence, accuracy)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    rows = []
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        if n:
            rows.append(
                (
                    float(edges[b]),
                    float(edges[b + 1]),
                    n,
                    float(confidence[mask].mean()),
                    float(np.asarray(correct, dtype=np.float64)[mask].mean()),
                )
            )
    return rows
