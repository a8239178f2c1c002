"""Agreement between annotators: how reliable a project's labels are, field by field.

Krippendorff's alpha, Fleiss' kappa, observed agreement, Cohen's kappa for each pair of
workers, confusion matrices between annotators and against reference labels
(:func:`field_agreement`, :func:`project_agreement`), and overlap-based F1 for spans and boxes
(:mod:`.overlap`). Pure computation on answers passed in; no I/O. See docs/agreement.md.
"""

from veracity.domain.agreement.alpha import krippendorff_alpha
from veracity.domain.agreement.confusion import against_reference, co_occurrence
from veracity.domain.agreement.kappa import cohen_kappas, fleiss_kappa, observed_agreement
from veracity.domain.agreement.overlap import (
    Box,
    OverlapAgreement,
    OverlapMatch,
    Span,
    box_agreement,
    box_iou,
    match_boxes,
    match_regions,
    match_spans,
    span_agreement,
    span_iou,
)
from veracity.domain.agreement.ratings import Ratings
from veracity.domain.agreement.results import (
    Agreement,
    ConfusionMatrix,
    FieldAgreement,
    Level,
    PairKappa,
    Statistic,
    WorkerAccuracy,
)
from veracity.domain.agreement.summary import agreement, field_agreement, project_agreement

__all__ = [
    "Agreement",
    "Box",
    "ConfusionMatrix",
    "FieldAgreement",
    "Level",
    "OverlapAgreement",
    "OverlapMatch",
    "PairKappa",
    "Ratings",
    "Span",
    "Statistic",
    "WorkerAccuracy",
    "against_reference",
    "agreement",
    "box_agreement",
    "box_iou",
    "co_occurrence",
    "cohen_kappas",
    "field_agreement",
    "fleiss_kappa",
    "krippendorff_alpha",
    "match_boxes",
    "match_regions",
    "match_spans",
    "observed_agreement",
    "project_agreement",
    "span_agreement",
    "span_iou",
]
