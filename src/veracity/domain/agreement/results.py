"""What an agreement figure says, and what it is based on.

Every figure carries the number of items and annotations behind it, so that a kappa from 3
items is not read like one from 300, and ``None`` with a reason when it is undefined.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["nominal", "ordinal", "interval"]
"""How different two answers are: equal or not, by rank, or by numeric distance."""


@dataclass(frozen=True, slots=True)
class Statistic:
    """One agreement figure (``value``), or ``None`` and the ``reason`` it is undefined.

    ``items`` and ``annotations`` count what the figure is computed from: only items that two
    or more people answered carry information about agreement, so the others are not counted.
    """

    value: float | None
    items: int
    annotations: int
    reason: str = ""

    @classmethod
    def undefined(cls, reason: str, items: int = 0, annotations: int = 0) -> Statistic:
        """A figure that cannot be computed from this data, and why."""
        return cls(None, items, annotations, reason)


@dataclass(frozen=True, slots=True)
class ConfusionMatrix:
    """Counts of answers by label: ``counts[i][j]`` pairs ``labels[i]`` (row) with ``labels[j]``.

    Between two annotators (co-occurrence) each pair of answers to the same item is counted in
    both orders, so the matrix is symmetric. Against a reference, rows are the reference label
    and columns the annotator's (scikit-learn's convention).
    """

    labels: tuple[Hashable, ...]
    counts: tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class PairKappa:
    """Cohen's kappa of two workers over the items both answered (``kappa.items`` of them)."""

    worker_a: Hashable
    worker_b: Hashable
    kappa: Statistic
    observed: float
    """The share of those items on which the two gave the same answer."""


@dataclass(frozen=True, slots=True)
class WorkerAccuracy:
    """One worker's answers compared with reference labels (gold, or the resolved values)."""

    worker: Hashable
    compared: int
    """Answers of this worker on items that have a reference label."""
    correct: int
    confusion: ConfusionMatrix | None
    """Rows: the reference; columns: this worker's answer. ``None`` for free text, and for
    fields with more than 50 labels (the field's total matrix is still given)."""

    @property
    def accuracy(self) -> float:
        """The share of compared answers that equal the reference."""
        return self.correct / self.compared


@dataclass(frozen=True, slots=True)
class Agreement:
    """How far people agree on one question: a field, or one option of a ``multi_choice``."""

    level: Level
    alpha: Statistic
    """Krippendorff's alpha at ``level``: any number of people per item, missing answers."""
    fleiss_kappa: Statistic
    """Fleiss' kappa; only when every item counted has the same number of answers."""
    observed: Statistic
    """The chance that two people who answered the same item agree, averaged over items."""
    pairs: ConfusionMatrix | None
    """Co-occurrence of labels between annotators of the same item; ``None`` for free text."""
    cohen: tuple[PairKappa, ...]
    """Cohen's kappa for every pair of workers with enough items in common."""
    reference: ConfusionMatrix | None
    """Every answer against its item's reference label; ``None`` without references or text."""
    workers: tuple[WorkerAccuracy, ...]
    """Each worker against the reference labels, for workers with at least one compared."""


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    """Agreement on one field of a label schema."""

    name: str
    kind: str
    compared: str
    """How two answers of this field are compared, in a sentence (for people reading it)."""
    summary: Agreement
    options: Mapping[str, Agreement] = field(default_factory=dict)
    """For ``multi_choice``: each option as its own yes/no question."""
