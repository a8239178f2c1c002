"""Crowd answers as integer arrays: the form every truth-inference method works on.

An :class:`Answers` holds one row per annotation (item index, worker index, label index) and
the names behind the indices, plus gold (item index -> label index) where it is known. Methods
never loop over annotations in Python: they sum over these arrays with ``numpy.bincount`` and
sparse matrix products, which is what lets a million annotations resolve in seconds.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy import sparse

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def sum_by(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """``out[j]`` = the sum of ``weights`` where ``index`` is ``j`` (``numpy.bincount``)."""
    return np.asarray(np.bincount(index, weights=weights, minlength=size), dtype=np.float64)


class Vocabulary:
    """Names in order of first appearance, each with its index."""

    __slots__ = ("index", "names")

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        for name in names:
            self.add(name)

    def add(self, name: str) -> int:
        """The index of ``name``, adding it at the end when it is new."""
        code = self.index.get(name)
        if code is None:
            code = self.index[name] = len(self.names)
            self.names.append(name)
        return code

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: Hashable) -> bool:
        return name in self.index


def _codes(names: Sequence[str], vocabulary: Vocabulary) -> IntArray:
    """Each name's index in ``vocabulary``, adding new names in order of first appearance.

    One dict lookup per name in a comprehension: a million names take a tenth of a second.
    """
    index = vocabulary.index
    codes = np.fromiter(
        (index.setdefault(name, len(index)) for name in names), dtype=np.int64, count=len(names)
    )
    vocabulary.names.extend(list(index)[len(vocabulary.names) :])
    return codes


@dataclass(frozen=True, eq=False)
class Answers:
    """Annotations of ``n_items`` items by ``n_workers`` workers into ``n_classes`` classes.

    ``items``, ``workers`` and ``labels`` have one entry per annotation. ``gold_items`` and
    ``gold_labels`` list the items whose true class is known. Names are optional (methods
    only need the counts); :meth:`encode` fills them.
    """

    items: IntArray
    workers: IntArray
    labels: IntArray
    n_items: int
    n_workers: int
    n_classes: int
    gold_items: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gold_labels: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    item_names: Sequence[str] = ()
    worker_names: Sequence[str] = ()
    class_names: Sequence[str] = ()

    def __post_init__(self) -> None:
        n = len(self.items)
        if len(self.workers) != n or len(self.labels) != n:
            raise ValueError("items, workers and labels must have one entry per annotation")
        if len(self.gold_items) != len(self.gold_labels):
            raise ValueError("gold_items and gold_labels must have the same length")
        if self.n_classes < 1:
            raise ValueError("there must be at least one class")
        for name, values, bound in (
            ("items", self.items, self.n_items),
            ("workers", self.workers, self.n_workers),
            ("labels", self.labels, self.n_classes),
            ("gold_items", self.gold_items, self.n_items),
            ("gold_labels", self.gold_labels, self.n_classes),
        ):
            if len(values) and (values.min() < 0 or values.max() >= bound):
                raise ValueError(f"{name} must lie in 0..{bound - 1}")
        if len(np.unique(self.gold_items)) != len(self.gold_items):
            raise ValueError("an item may have at most one gold label")

    @classmethod
    def from_arrays(
        cls,
        items: npt.ArrayLike,
        workers: npt.ArrayLike,
        labels: npt.ArrayLike,
        *,
        n_classes: int | None = None,
        n_items: int | None = None,
        n_workers: int | None = None,
        gold: Mapping[int, int] | None = None,
    ) -> Answers:
        """Answers from index arrays; the counts default to one more than the largest index."""
        item_arr = np.asarray(items, dtype=np.int64)
        worker_arr = np.asarray(workers, dtype=np.int64)
        label_arr = np.asarray(labels, dtype=np.int64)
        gold = gold or {}
        gold_items = np.fromiter(gold.keys(), dtype=np.int64, count=len(gold))
        gold_labels = np.fromiter(gold.values(), dtype=np.int64, count=len(gold))

        def size(arr: IntArray, *more: IntArray) -> int:
            return int(max((a.max() + 1 for a in (arr, *more) if len(a)), default=0))

        return cls(
            items=item_arr,
            workers=worker_arr,
            labels=label_arr,
            n_items=n_items if n_items is not None else size(item_arr, gold_items),
            n_workers=n_workers if n_workers is not None else size(worker_arr),
            n_classes=n_classes if n_classes is not None else max(size(label_arr, gold_labels), 1),
            gold_items=gold_items,
            gold_labels=gold_labels,
        )

    @classmethod
    def encode(
        cls,
        rows: Iterable[tuple[str, str, str]],
        *,
        gold: Mapping[str, str] | None = None,
        classes: Sequence[str] = (),
    ) -> Answers:
        """Answers from ``(item, worker, label)`` names.

        Classes are ``classes`` first (a schema's options, in order), then any other label in
        order of first appearance; items likewise, with gold-only items after the annotated
        ones. Those orders decide ties, so the result does not depend on hashing.
        """
        columns = list(zip(*rows, strict=True))
        items, workers, labels = columns if columns else ((), (), ())
        return cls.encode_columns(items, workers, labels, gold=gold, classes=classes)

    @classmethod
    def encode_columns(
        cls,
        items: Sequence[str],
        workers: Sequence[str],
        labels: Sequence[str],
        *,
        gold: Mapping[str, str] | None = None,
        classes: Sequence[str] = (),
    ) -> Answers:
        """:meth:`encode` from one sequence per column (a file read column-wise)."""
        if not len(items) == len(workers) == len(labels):
            raise ValueError("items, workers and labels must have one entry per annotation")
        item_vocab, worker_vocab, class_vocab = Vocabulary(), Vocabulary(), Vocabulary(classes)
        item_codes = _codes(items, item_vocab)
        worker_codes = _codes(workers, worker_vocab)
        label_codes = _codes(labels, class_vocab)
        add_item, add_class = item_vocab.add, class_vocab.add
        gold_map = {add_item(item): add_class(label) for item, label in (gold or {}).items()}
        return cls(
            items=item_codes,
            workers=worker_codes,
            labels=label_codes,
            n_items=len(item_vocab),
            n_workers=len(worker_vocab),
            n_classes=max(len(class_vocab), 1),
            gold_items=np.fromiter(gold_map.keys(), dtype=np.int64, count=len(gold_map)),
            gold_labels=np.fromiter(gold_map.values(), dtype=np.int64, count=len(gold_map)),
            item_names=item_vocab.names,
            worker_names=worker_vocab.names,
            class_names=class_vocab.names,
        )

    # -- derived arrays, computed once ---------------------------------------------------

    @property
    def n_annotations(self) -> int:
        """How many annotations there are."""
        return len(self.items)

    @cached_property
    def item_worker_label(self) -> sparse.csr_matrix:
        """Counts as a sparse (items x workers·classes) matrix: row i, column w·K + l.

        Multiplying it by a (workers·classes x classes) table of log-likelihoods sums each
        item's evidence in one sparse product; its transpose times the item posteriors gives
        every worker's expected confusion counts.
        """
        k = self.n_classes
        ones = np.ones(self.n_annotations, dtype=np.float64)
        matrix = sparse.csr_matrix(
            (ones, (self.items, self.workers * k + self.labels)),
            shape=(self.n_items, self.n_workers * k),
        )
        matrix.sum_duplicates()
        return matrix

    @cached_property
    def worker_item_label(self) -> sparse.csr_matrix:
        """The transpose of :attr:`item_worker_label`, kept in row order for the M-step."""
        return self.item_worker_label.T.tocsr()

    @cached_property
    def item_label(self) -> IntArray:
        """Per annotation, ``item·K + label``: its cell in a flattened (items x classes)
        array, for gathering each annotation's posterior with one ``take``."""
        out: IntArray = self.items * self.n_classes + self.labels
        return out

    @cached_property
    def worker_label(self) -> IntArray:
        """Per annotation, ``worker·K + label``: its cell in a (workers x classes) table."""
        out: IntArray = self.workers * self.n_classes + self.labels
        return out

    @cached_property
    def vote_counts(self) -> FloatArray:
        """(items x classes) how many annotations gave each class."""
        flat = np.bincount(
            self.items * self.n_classes + self.labels, minlength=self.n_items * self.n_classes
        )
        return flat.reshape(self.n_items, self.n_classes).astype(np.float64)

    @cached_property
    def item_counts(self) -> IntArray:
        """How many annotations each item has."""
        return np.bincount(self.items, minlength=self.n_items)

    @cached_property
    def worker_counts(self) -> IntArray:
        """How many annotations each worker gave."""
        return np.bincount(self.workers, minlength=self.n_workers)

    @cached_property
    def gold_mask(self) -> npt.NDArray[np.bool_]:
        """Whether each item's true class is known."""
        mask = np.zeros(self.n_items, dtype=bool)
        mask[self.gold_items] = True
        return mask

    def restricted(self, keep_items: npt.NDArray[np.bool_], *, keep_gold: bool) -> Answers:
        """Only the annotations (and, if ``keep_gold``, gold) of the items marked in
        ``keep_items``; indices are unchanged, so worker parameters line up."""
        keep = keep_items[self.items]
        gold = keep_items[self.gold_items] if keep_gold else np.zeros(0, dtype=bool)
        return Answers(
            items=self.items[keep],
            workers=self.workers[keep],
            labels=self.labels[keep],
            n_items=self.n_items,
            n_workers=self.n_workers,
            n_classes=self.n_classes,
            gold_items=self.gold_items[gold] if keep_gold else gold.astype(np.int64),
            gold_labels=self.gold_labels[gold] if keep_gold else gold.astype(np.int64),
            item_names=self.item_names,
            worker_names=self.worker_names,
            class_names=self.class_names,
        )

    def subset(self, keep_items: npt.NDArray[np.bool_], *, keep_gold: bool) -> Answers:
        """Like :meth:`restricted`, but the kept items are numbered anew (0, 1, …, in their
        order), so that arrays over items shrink with them; worker indices are unchanged."""
        keep = keep_items[self.items]
        renumber = np.cumsum(keep_items, dtype=np.int64) - 1
        gold = keep_items[self.gold_items] & keep_gold
        return Answers(
            items=renumber[self.items[keep]],
            workers=self.workers[keep],
            labels=self.labels[keep],
            n_items=int(keep_items.sum()),
            n_workers=self.n_workers,
            n_classes=self.n_classes,
            gold_items=renumber[self.gold_items[gold]],
            gold_labels=self.gold_labels[gold],
            item_names=[n for n, k in zip(self.item_names, keep_items, strict=True) if k]
            if self.item_names
            else (),
            worker_names=self.worker_names,
            class_names=self.class_names,
        )

    def with_gold(self, gold_items: IntArray, gold_labels: IntArray) -> Answers:
        """The same annotations with other gold (used to hold gold out for validation)."""
        other = Answers(
            items=self.items,
            workers=self.workers,
            labels=self.labels,
            n_items=self.n_items,
            n_workers=self.n_workers,
            n_classes=self.n_classes,
            gold_items=gold_items,
            gold_labels=gold_labels,
            item_names=self.item_names,
            worker_names=self.worker_names,
            class_names=self.class_names,
        )
        # The derived arrays do not depend on gold: share them instead of building them again.
        for name in (
            "item_worker_label",
            "worker_item_label",
            "vote_counts",
            "item_counts",
            "worker_counts",
            "item_label",
            "worker_label",
        ):
            if name in self.__dict__:
                other.__dict__[name] = self.__dict__[name]
        return other
