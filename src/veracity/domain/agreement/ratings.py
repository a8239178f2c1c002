"""The answers to one question, coded as integers so that the statistics can be vectorised.

Item, worker and value are each replaced by a small integer, and the answers are kept sorted by
item then worker (a :class:`Layout`). Every statistic in this package is a few numpy passes over
these arrays and over the pairs of answers given to the same item; none loops over items in
Python.

Several yes/no questions asked of the same answers (the options of a ``multi_choice`` field)
share one layout: their values are the columns of a 2-D ``value`` array, and a statistic of such
ratings pools every (item, question) decision.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TypeVar

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]

V = TypeVar("V")

Answer = tuple[Hashable, Hashable, Hashable]
"""``(item_id, worker_id, value)``; the value already reduced to a hashable key."""

DENSE_KEYS = 1 << 23
"""Up to this many possible keys, :func:`group_keys` counts instead of sorting."""


class Codes:
    """Hashable keys numbered 0, 1, 2, ... in the order they are first seen."""

    def __init__(self, known: Iterable[Hashable] = ()) -> None:
        self.index: dict[Hashable, int] = {}
        for key in known:
            self.code(key)

    def code(self, key: Hashable) -> int:
        """The number of ``key``, giving it the next one if it is new."""
        return self.index.setdefault(key, len(self.index))

    def codes(self, keys: Sequence[Hashable]) -> IntArray:
        """The numbers of ``keys``, as an array."""
        # New keys are numbered in one pass over the distinct ones; the lookup is then a C
        # loop (map over dict.__getitem__), several times faster than a call per key.
        for key in dict.fromkeys(keys):
            self.code(key)
        return np.fromiter(map(self.index.__getitem__, keys), dtype=np.intp, count=len(keys))

    def keys(self) -> tuple[Hashable, ...]:
        """Every key, in number order."""
        return tuple(self.index)


def latest_answers(
    answers: Iterable[tuple[Hashable, Hashable, V]],
) -> dict[tuple[Hashable, Hashable], V]:
    """One answer per (item, worker): when a worker answered an item twice, the last counts."""
    latest: dict[tuple[Hashable, Hashable], V] = {}
    for item, worker, value in answers:
        latest[item, worker] = value
    return latest


def group_keys(
    keys: npt.NDArray[np.int64], space: int, *, dense_limit: int = DENSE_KEYS
) -> tuple[npt.NDArray[np.int64], IntArray, IntArray]:
    """``np.unique(keys, return_inverse=True, return_counts=True)`` for keys in ``[0, space)``.

    When the space is small this counts with ``bincount`` instead of sorting, several times
    faster on the millions of pairs a large project has.
    """
    if space > dense_limit:
        unique, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        return unique, inverse.astype(np.intp), counts.astype(np.intp)
    counts = np.bincount(keys, minlength=space)
    present = np.flatnonzero(counts)
    renumber = np.zeros(space, dtype=np.intp)
    renumber[present] = np.arange(len(present))
    return present.astype(np.int64), renumber[keys], counts[present].astype(np.intp)


@dataclass(frozen=True, eq=False)
class Layout:
    """Who answered which item: parallel arrays sorted by item, then worker.

    ``item[i]`` is a number below ``n_items``; ``worker_ids[worker[i]]`` is the worker's id.
    """

    item: IntArray
    worker: IntArray
    n_items: int
    worker_ids: tuple[Hashable, ...]

    @classmethod
    def sort(
        cls, item: IntArray, worker: IntArray, n_items: int, worker_ids: tuple[Hashable, ...]
    ) -> tuple[Layout, IntArray | None]:
        """The layout of these answers, and the order that sorted them (``None``: already so)."""
        step = np.diff(item)
        if ((step > 0) | ((step == 0) & (np.diff(worker) > 0))).all():
            return cls(item, worker, n_items, worker_ids), None
        order = np.lexsort((worker, item))
        return cls(item[order], worker[order], n_items, worker_ids), order

    @cached_property
    def answers_per_item(self) -> IntArray:
        """How many answers each item has."""
        return np.bincount(self.item, minlength=self.n_items)

    @cached_property
    def pairable(self) -> npt.NDArray[np.bool_]:
        """Which answers belong to items that two or more people answered."""
        return self.answers_per_item[self.item] >= 2

    @cached_property
    def counted(self) -> tuple[int, int]:
        """Items with two or more answers, and the answers they have."""
        per_item = self.answers_per_item
        return int((per_item >= 2).sum()), int(per_item[per_item >= 2].sum())

    @cached_property
    def pairs(self) -> tuple[IntArray, IntArray]:
        """Every pair of answers to the same item, as two index arrays (``a`` before ``b``).

        Items are grouped by how many answers they have, so the loop runs once per distinct
        count (a handful), not once per item. Within an item the answers are sorted by worker,
        so ``worker[a] < worker[b]``.
        """
        counts = self.answers_per_item
        starts = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp)
        a_parts: list[IntArray] = [np.empty(0, dtype=np.intp)]
        b_parts: list[IntArray] = [np.empty(0, dtype=np.intp)]
        for m in np.unique(counts[counts >= 2]):
            first = starts[counts == m][:, np.newaxis]
            i, j = np.triu_indices(int(m), 1)
            a_parts.append((first + i).ravel())
            b_parts.append((first + j).ravel())
        return np.concatenate(a_parts), np.concatenate(b_parts)

    @cached_property
    def pair_weights(self) -> FloatArray:
        """1 / (m - 1) for each pair, m being its item's answers (Krippendorff's weighting)."""
        a, _ = self.pairs
        return 1.0 / (self.answers_per_item[self.item[a]] - 1)

    @cached_property
    def worker_pairs(self) -> tuple[npt.NDArray[np.int64], IntArray, IntArray]:
        """Pairs of workers: each one's key ``a * workers + b``, each pair of answers' pair
        number, and how many items each pair of workers shares."""
        a, b = self.pairs
        n_workers = len(self.worker_ids)
        key = self.worker[a].astype(np.int64) * n_workers + self.worker[b]
        return group_keys(key, n_workers * n_workers)


@dataclass(frozen=True, eq=False)
class Ratings:
    """The values given in a :class:`Layout`, for one question or several pooled ones.

    ``value`` has one entry per answer (or one row per answer, a column per question);
    ``labels[v]`` is the value coded ``v`` and ``scale[v]`` its number (for ordinal and interval
    data). ``reference`` has, per item (and question), the code of the reference label, or -1
    when there is none.
    """

    layout: Layout
    value: IntArray
    labels: tuple[Hashable, ...]
    reference: IntArray
    scale: FloatArray | None = None

    @classmethod
    def code(
        cls,
        answers: Iterable[Answer],
        references: Mapping[Hashable, Hashable] | None = None,
        *,
        labels: Iterable[Hashable] = (),
        numeric: bool = False,
    ) -> Ratings:
        """Code ``(item, worker, value)`` answers, and each item's reference value if given.

        ``labels`` fixes the first codes (a choice field's options, a rating's scale) so that a
        confusion matrix shows every label even when nobody used it; other values get the next
        codes. With ``numeric``, the labels are numbers: they are sorted and become the scale.
        A worker's last answer to an item is the one that counts.
        """
        latest = latest_answers(answers)
        items, workers, values = Codes(), Codes(), Codes(labels)
        item_keys, worker_keys = split_keys(latest)
        item, worker = items.codes(item_keys), workers.codes(worker_keys)
        value = values.codes(list(latest.values()))
        reference = np.full(len(items.index), -1, dtype=np.intp)
        for item_id, key in (references or {}).items():
            at = items.index.get(item_id)
            if at is not None and key is not None:
                reference[at] = values.code(key)
        keys = values.keys()
        scale: FloatArray | None = None
        if numeric:
            numbers = np.array(keys, dtype=np.float64)
            by_number = np.argsort(numbers, kind="stable")
            rank = np.empty_like(by_number)
            rank[by_number] = np.arange(len(by_number))
            value = rank[value]
            reference = np.where(reference >= 0, rank[reference], -1)
            keys = tuple(keys[i] for i in by_number)
            scale = numbers[by_number]
        layout, order = Layout.sort(item, worker, len(items.index), workers.keys())
        if order is not None:
            value = value[order]
        return cls(layout, value, keys, reference, scale)

    @property
    def questions(self) -> int:
        """How many questions are pooled (1 unless ``value`` has columns)."""
        return 1 if self.value.ndim == 1 else int(self.value.shape[1])

    @property
    def columns(self) -> IntArray:
        """``value`` as a 2-D array: one row per answer, one column per question."""
        return self.value.reshape(len(self.value), self.questions)

    @cached_property
    def pair_values(self) -> tuple[IntArray, IntArray]:
        """The values of each pair of answers (see ``Layout.pairs``), as 2-D arrays."""
        a, b = self.layout.pairs
        values = self.columns
        return values[a], values[b]

    @cached_property
    def pair_agreeing(self) -> IntArray:
        """For each pair of answers, on how many questions the two agree (0 or 1 unpooled)."""
        va, vb = self.pair_values
        agreeing: IntArray = np.count_nonzero(va == vb, axis=1).astype(np.intp)
        return agreeing

    @cached_property
    def item_agreement(self) -> FloatArray:
        """For each item with two or more answers, the share of its pairs of answers that agree.

        With pooled questions, the share of (pair, question) decisions that agree.
        """
        layout = self.layout
        a, _ = layout.pairs
        agreeing = np.bincount(
            layout.item[a], weights=self.pair_agreeing / self.questions, minlength=layout.n_items
        )
        m = layout.answers_per_item
        counted = m >= 2
        return agreeing[counted] / (m[counted] * (m[counted] - 1) / 2.0)

    def column(self, j: int) -> Ratings:
        """Question ``j`` of pooled ratings, on its own (sharing the layout)."""
        return Ratings(
            self.layout,
            self.columns[:, j],
            self.labels,
            self.reference.reshape(self.layout.n_items, self.questions)[:, j],
            self.scale,
        )


def split_keys(
    latest: Mapping[tuple[Hashable, Hashable], object],
) -> tuple[list[Hashable], list[Hashable]]:
    """The item ids and the worker ids of ``latest``'s keys, as two lists."""
    items = [item for item, _ in latest]
    return items, [worker for _, worker in latest]
