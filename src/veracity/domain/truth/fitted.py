"""What a truth-inference fit learns about the workers, kept to resolve new items cheaply.

Every method in this package ends with the same kind of model: a class prior and, for each
worker, the probability of each label given each true class. Three shapes of that cover them
all:

- ``symmetric`` (majority vote, weighted vote, one-coin Dawid-Skene, GLAD): one accuracy per
  worker; wrong labels are equally likely.
- ``spammer`` (MACE): a worker answers truthfully with probability ``theta`` and otherwise
  picks a label from their own ``strategy`` distribution.
- ``confusion`` (Dawid-Skene): a full matrix per worker.

With the worker parameters fixed, an item's posterior depends on its own annotations only,
so a new submission is resolved with :meth:`FittedModel.posterior` without refitting
anything. The model serialises to JSON for storage between fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from typing import Any

import numpy as np

from veracity.domain.truth.answers import Answers, FloatArray, IntArray
from veracity.domain.truth.resolution import Method

FORMAT_VERSION = 1
# Probabilities are kept away from 0 and 1 so that a log never meets zero.
EPS = 1e-6


class Family(StrEnum):
    """The shape of a worker's parameters."""

    symmetric = "symmetric"
    spammer = "spammer"
    confusion = "confusion"


_PARAMS: dict[Family, tuple[str, ...]] = {
    Family.symmetric: ("accuracy",),
    Family.spammer: ("theta", "strategy"),
    Family.confusion: ("confusion",),
}


@dataclass(frozen=True, slots=True)
class ItemPosterior:
    """One item's resolved label, its confidence and the probability of every class."""

    label: str
    confidence: float
    probabilities: dict[str, float]


@dataclass(frozen=True, eq=False)
class FittedModel:
    """Class prior and worker parameters from a fit, plus the calibration temperature.

    ``params`` arrays have one row per worker in ``workers`` and one more, last, for a worker
    the fit never saw (the population's typical worker). ``confusion`` is indexed
    ``[worker, true class, label given]`` (each row a distribution over labels).
    """

    method: Method
    family: Family
    classes: tuple[str, ...]
    workers: tuple[str, ...]
    log_prior: FloatArray
    params: Mapping[str, FloatArray]
    temperature: float = 1.0
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if set(self.params) != set(_PARAMS[self.family]):
            raise ValueError(f"a {self.family} model needs {', '.join(_PARAMS[self.family])}")
        k, w = len(self.classes), len(self.workers) + 1
        shapes = {
            "accuracy": (w,),
            "theta": (w,),
            "strategy": (w, k),
            "confusion": (w, k, k),
        }
        for name, value in self.params.items():
            if value.shape != shapes[name]:
                raise ValueError(f"{name} must have shape {shapes[name]}, not {value.shape}")
        if self.log_prior.shape != (k,):
            raise ValueError("log_prior must have one entry per class")
        if not self.temperature > 0:
            raise ValueError("temperature must be positive")

    @property
    def n_classes(self) -> int:
        """How many classes the model knows."""
        return len(self.classes)

    def with_temperature(self, temperature: float) -> FittedModel:
        """The same model with another calibration temperature."""
        return replace(self, temperature=float(temperature))

    # -- evidence --------------------------------------------------------------------------

    def annotation_loglik(self, workers: IntArray, labels: IntArray) -> FloatArray:
        """(annotations x classes) log p(label | true class) for each annotation."""
        k = self.n_classes
        if self.family is Family.confusion:
            table = np.log(self.params["confusion"])
            return table[workers, :, labels] if len(workers) else np.zeros((0, k))
        base, delta = self.base_delta(workers, labels)
        out = np.repeat(base[:, None], k, axis=1)
        out[np.arange(len(labels)), labels] += delta
        return out

    def base_delta(self, workers: IntArray, labels: IntArray) -> tuple[FloatArray, FloatArray]:
        """For the non-confusion families, log p(label | class) = base + delta·[class = label]."""
        # Logs per worker (and label), then one gather per annotation: far fewer logs.
        k = self.n_classes
        if self.family is Family.symmetric:
            acc = self.params["accuracy"]
            base_w = np.log((1 - acc) / max(k - 1, 1))
            return base_w[workers], (np.log(acc) - base_w)[workers]
        if self.family is Family.spammer:
            theta = self.params["theta"][:, None]
            strategy = self.params["strategy"]
            base_wl = np.log((1 - theta) * strategy)
            delta_wl = np.log(theta + (1 - theta) * strategy) - base_wl
            flat = workers * k + labels
            return base_wl.ravel()[flat], delta_wl.ravel()[flat]
        raise ValueError("a confusion model has no base/delta form")  # pragma: no cover

    def log_tables(self) -> FloatArray:
        """((workers+1)·classes x classes) log p(label | class), rows ``worker·K + label``."""
        k = self.n_classes
        if self.family is Family.confusion:
            return np.log(self.params["confusion"]).transpose(0, 2, 1).reshape(-1, k)
        rows = len(self.workers) + 1
        workers = np.repeat(np.arange(rows), k)
        labels = np.tile(np.arange(k), rows)
        return self.annotation_loglik(workers, labels)

    def item_scores(self, answers: Answers) -> FloatArray:
        """(items x classes) unnormalised log posterior of each item from its annotations.

        ``answers`` must index workers as this model does (the data it was fitted on).
        """
        k, n = self.n_classes, answers.n_items
        if self.family is Family.confusion:
            confusion = self.params["confusion"][: answers.n_workers]
            table = np.log(confusion).transpose(0, 2, 1).reshape(-1, k)
            evidence = np.asarray(answers.item_worker_label @ table)
        else:
            base, delta = self.base_delta(answers.workers, answers.labels)
            evidence = np.bincount(answers.items, weights=base, minlength=n)[:, None] + (
                np.bincount(answers.item_label, weights=delta, minlength=n * k).reshape(n, k)
            )
        return evidence + self.log_prior

    # -- resolving -------------------------------------------------------------------------

    def worker_index(self, names: Iterable[str]) -> IntArray:
        """Rows for worker names; a worker the fit never saw gets the default row."""
        index = self._worker_rows
        default = len(self.workers)
        return np.fromiter((index.get(n, default) for n in names), dtype=np.int64)

    @cached_property
    def _worker_rows(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.workers)}

    def calibrated(self, scores: FloatArray) -> FloatArray:
        """Posterior probabilities from log scores, with the calibration temperature."""
        tempered = scores / self.temperature
        return np.exp(tempered - logsumexp_rows(tempered))

    def posterior(self, annotations: Iterable[tuple[str, str]]) -> ItemPosterior:
        """Resolve one item from its ``(worker, label)`` annotations, workers kept as fitted.

        This is the incremental path: it costs one small sum, however large the project.
        A label the model does not know is ignored (it carries no evidence the fit can
        weigh); an item with no usable annotation gets the class prior.
        """
        class_index = {name: i for i, name in enumerate(self.classes)}
        pairs = [(w, class_index[lab]) for w, lab in annotations if lab in class_index]
        workers = self.worker_index(w for w, _ in pairs)
        labels = np.array([lab for _, lab in pairs], dtype=np.int64)
        scores = self.log_prior + self.annotation_loglik(workers, labels).sum(axis=0)
        probs = self.calibrated(scores)
        best = int(first_best(probs))
        return ItemPosterior(
            label=self.classes[best],
            confidence=float(probs[best]),
            probabilities={c: float(p) for c, p in zip(self.classes, probs, strict=True)},
        )

    # -- storage ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (floats rounded to 6 significant digits)."""
        return {
            "version": FORMAT_VERSION,
            "method": self.method.value,
            "family": self.family.value,
            "classes": list(self.classes),
            "workers": list(self.workers),
            "log_prior": _rounded(self.log_prior),
            "params": {name: _rounded(value) for name, value in self.params.items()},
            "temperature": float(f"{self.temperature:.6g}"),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FittedModel:
        """The model :meth:`to_json` wrote."""
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown model format version {data.get('version')!r}")
        return cls(
            method=Method(data["method"]),
            family=Family(data["family"]),
            classes=tuple(data["classes"]),
            workers=tuple(data["workers"]),
            log_prior=np.asarray(data["log_prior"], dtype=np.float64),
            params={k: np.asarray(v, dtype=np.float64) for k, v in data["params"].items()},
            temperature=float(data["temperature"]),
        )


# Probabilities closer than this are a tie: sums of the same terms in another order differ
# in their last bits, and that must not decide a label.
TIE = 1e-9


def first_best(probabilities: FloatArray) -> IntArray:
    """Per row, the first class whose probability ties with the highest."""
    best = probabilities.max(axis=-1, keepdims=True)
    out: IntArray = np.argmax(probabilities >= best - TIE, axis=-1).astype(np.int64)
    return out


def logsumexp_rows(values: FloatArray) -> FloatArray:
    """log(sum(exp(values))) over the last axis, kept as an axis of length 1.

    scipy's ``logsumexp`` handles cases (complex numbers, weights, infinities of both signs)
    these arrays never have, at several times the cost on a million rows.
    """
    top = values.max(axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    out: FloatArray = np.log(np.exp(values - top).sum(axis=-1, keepdims=True)) + top
    return out


def _rounded(values: FloatArray) -> Any:
    """``values`` to 6 significant digits, as nested lists (JSON is text: keep it short)."""
    magnitude = np.floor(np.log10(np.abs(np.where(values == 0, 1.0, values))))
    scale = 10.0 ** (5 - magnitude)
    return (np.round(values * scale) / scale).tolist()


def clip_probabilities(values: FloatArray) -> FloatArray:
    """Probabilities kept inside [EPS, 1 - EPS]."""
    return np.clip(values, EPS, 1 - EPS)


def names_or_numbers(names: Sequence[str], n: int) -> tuple[str, ...]:
    """``names`` when given, else "0", "1", … (arrays built without names)."""
    return tuple(names) if names else tuple(str(i) for i in range(n))
