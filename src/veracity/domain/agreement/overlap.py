"""Agreement on marked regions (text spans, image boxes): matching by overlap, then F1.

Two annotators' regions on one item are matched one to one (the Hungarian method,
``scipy.optimize.linear_sum_assignment``): a pair may match only when its intersection over
union (IoU) reaches a threshold and, by default, its labels are equal. The matching takes as
many pairs as possible and, among those, the largest total IoU. Then F1 = 2 matched /
(regions of one + regions of the other), which is symmetric, so neither annotator is the
reference. Ready for the span and box kinds to plug in.

A span is ``(start, end, label)`` with ``end`` exclusive (character offsets); a box is
``(x, y, width, height, label)``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment

from veracity.domain.agreement.alpha import NO_PAIRS
from veracity.domain.agreement.ratings import FloatArray, latest_answers
from veracity.domain.agreement.results import Statistic

Span = tuple[int, int, str]
Box = tuple[float, float, float, float, str]
R = TypeVar("R", Span, Box)

DEFAULT_IOU = 0.5


@dataclass(frozen=True, slots=True)
class OverlapMatch:
    """The one-to-one matching of two annotators' regions on one item."""

    pairs: tuple[tuple[int, int, float], ...]
    """``(index in a, index in b, IoU)`` of every matched pair."""
    a_count: int
    b_count: int

    @property
    def f1(self) -> float:
        """2 matched / (|a| + |b|); 1.0 when neither marked anything (they agree: nothing)."""
        total = self.a_count + self.b_count
        return 1.0 if total == 0 else 2 * len(self.pairs) / total

    @property
    def mean_iou(self) -> float | None:
        """The mean IoU of the matched pairs, ``None`` when nothing matched."""
        if not self.pairs:
            return None
        return sum(iou for _, _, iou in self.pairs) / len(self.pairs)


@dataclass(frozen=True, slots=True)
class OverlapAgreement:
    """Pairwise F1 over every pair of annotators of every item."""

    f1: Statistic
    """Pooled (micro) F1: 2 x all matched pairs / all regions of both sides of all pairs."""
    mean_iou: float | None
    """The mean IoU of all matched pairs: how tightly matched regions line up."""


def span_iou(a: Sequence[Span], b: Sequence[Span]) -> FloatArray:
    """The IoU of every span of ``a`` (rows) with every span of ``b`` (columns)."""
    sa = np.array([s[:2] for s in a], dtype=np.float64).reshape(-1, 2)
    sb = np.array([s[:2] for s in b], dtype=np.float64).reshape(-1, 2)
    return _iou_1d(sa, sb)


def box_iou(a: Sequence[Box], b: Sequence[Box]) -> FloatArray:
    """The IoU of every box of ``a`` (rows) with every box of ``b`` (columns)."""
    ba = np.array([x[:4] for x in a], dtype=np.float64).reshape(-1, 4)
    bb = np.array([x[:4] for x in b], dtype=np.float64).reshape(-1, 4)
    left = np.maximum(ba[:, np.newaxis, 0], bb[np.newaxis, :, 0])
    right = np.minimum((ba[:, 0] + ba[:, 2])[:, np.newaxis], (bb[:, 0] + bb[:, 2])[np.newaxis, :])
    top = np.maximum(ba[:, np.newaxis, 1], bb[np.newaxis, :, 1])
    bottom = np.minimum((ba[:, 1] + ba[:, 3])[:, np.newaxis], (bb[:, 1] + bb[:, 3])[np.newaxis, :])
    inter = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_a, area_b = ba[:, 2] * ba[:, 3], bb[:, 2] * bb[:, 3]
    union = area_a[:, np.newaxis] + area_b[np.newaxis, :] - inter
    return _ratio(inter, union, ba[:, np.newaxis, :] == bb[np.newaxis, :, :])


def match_regions(
    iou: FloatArray,
    labels_a: Sequence[Hashable] = (),
    labels_b: Sequence[Hashable] = (),
    *,
    threshold: float = DEFAULT_IOU,
) -> OverlapMatch:
    """Match rows to columns of an IoU matrix one to one (see the module's description).

    With labels given, only regions with equal labels may match.
    """
    rows, cols = iou.shape
    eligible = iou >= threshold
    if labels_a or labels_b:
        la = np.array(labels_a, dtype=object)[:, np.newaxis]
        lb = np.array(labels_b, dtype=object)[np.newaxis, :]
        eligible &= la == lb
    if not eligible.any():
        return OverlapMatch((), rows, cols)
    # Each eligible pair is worth more than all the IoU any matching can add up to, so the
    # assignment first takes as many pairs as possible, then the tightest ones.
    weight = np.where(eligible, min(rows, cols) + 1.0 + iou, 0.0)
    picked_a, picked_b = linear_sum_assignment(weight, maximize=True)
    pairs = tuple(
        (int(i), int(j), float(iou[i, j]))
        for i, j in zip(picked_a.tolist(), picked_b.tolist(), strict=True)
        if eligible[i, j]
    )
    return OverlapMatch(pairs, rows, cols)


def match_spans(
    a: Sequence[Span], b: Sequence[Span], *, threshold: float = DEFAULT_IOU, labels: bool = True
) -> OverlapMatch:
    """Match two annotators' spans; with ``labels``, only spans with the same label match."""
    la, lb = ([s[2] for s in a], [s[2] for s in b]) if labels else ((), ())
    return match_regions(span_iou(a, b), la, lb, threshold=threshold)


def match_boxes(
    a: Sequence[Box], b: Sequence[Box], *, threshold: float = DEFAULT_IOU, labels: bool = True
) -> OverlapMatch:
    """Match two annotators' boxes; with ``labels``, only boxes with the same label match."""
    la, lb = ([x[4] for x in a], [x[4] for x in b]) if labels else ((), ())
    return match_regions(box_iou(a, b), la, lb, threshold=threshold)


def span_agreement(
    answers: Iterable[tuple[Hashable, Hashable, Sequence[Span]]],
    *,
    threshold: float = DEFAULT_IOU,
    labels: bool = True,
) -> OverlapAgreement:
    """Pooled F1 between every two annotators of each item, from ``(item, worker, spans)``."""
    return _pooled(answers, lambda a, b: match_spans(a, b, threshold=threshold, labels=labels))


def box_agreement(
    answers: Iterable[tuple[Hashable, Hashable, Sequence[Box]]],
    *,
    threshold: float = DEFAULT_IOU,
    labels: bool = True,
) -> OverlapAgreement:
    """Pooled F1 between every two annotators of each item, from ``(item, worker, boxes)``."""
    return _pooled(answers, lambda a, b: match_boxes(a, b, threshold=threshold, labels=labels))


def _pooled(
    answers: Iterable[tuple[Hashable, Hashable, Sequence[R]]],
    match: Callable[[Sequence[R], Sequence[R]], OverlapMatch],
) -> OverlapAgreement:
    """Match every two annotators of each item and pool the counts.

    Matching is per item and per pair of annotators, so this loops over them in Python; the
    regions of one item are few. A worker's last answer to an item counts.
    """
    by_item: dict[Hashable, list[Sequence[R]]] = {}
    for (item, _worker), marks in latest_answers(answers).items():
        by_item.setdefault(item, []).append(marks)
    matched = marked = items = annotations = 0
    iou_sum = 0.0
    for answered in by_item.values():
        if len(answered) < 2:
            continue
        items += 1
        annotations += len(answered)
        for a, b in combinations(answered, 2):
            result = match(a, b)
            matched += len(result.pairs)
            marked += result.a_count + result.b_count
            iou_sum += sum(iou for _, _, iou in result.pairs)
    if items == 0:
        return OverlapAgreement(Statistic.undefined(NO_PAIRS), None)
    if marked == 0:
        return OverlapAgreement(
            Statistic.undefined("nobody marked anything", items, annotations), None
        )
    return OverlapAgreement(
        Statistic(2 * matched / marked, items, annotations),
        iou_sum / matched if matched else None,
    )


def _iou_1d(sa: FloatArray, sb: FloatArray) -> FloatArray:
    inter = np.clip(
        np.minimum(sa[:, np.newaxis, 1], sb[np.newaxis, :, 1])
        - np.maximum(sa[:, np.newaxis, 0], sb[np.newaxis, :, 0]),
        0,
        None,
    )
    union = (sa[:, 1] - sa[:, 0])[:, np.newaxis] + (sb[:, 1] - sb[:, 0])[np.newaxis, :] - inter
    return _ratio(inter, union, sa[:, np.newaxis, :] == sb[np.newaxis, :, :])


def _ratio(inter: FloatArray, union: FloatArray, same: npt.NDArray[np.bool_]) -> FloatArray:
    """inter / union; an empty region overlaps only an identical one (IoU 1, else 0)."""
    identical = same.all(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, inter / np.where(union > 0, union, 1.0), identical * 1.0)
    return iou.astype(np.float64)
