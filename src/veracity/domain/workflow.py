"""A project's workflow: how many people label each item and how long a lease lasts."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from veracity.domain.review import Reason
from veracity.domain.validation import first_error

# ``auto`` or one of the truth-inference methods (``veracity.domain.truth.Method``).
TruthMethod = Literal[
    "auto", "majority_vote", "weighted_vote", "one_coin", "dawid_skene", "glad", "mace"
]


class Workflow(BaseModel):
    """Rules for handing out one project's items."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    overlap: int = Field(1, ge=1, le=50, description="Annotations wanted per item.")
    lease_seconds: int = Field(
        600, ge=10, le=7 * 24 * 3600, description="How long a leased item is held for one person."
    )
    max_open_leases: int = Field(
        4,
        ge=1,
        le=100,
        description="Items one person may hold leased at once in this project.",
    )
    gold_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Share of leases that are gold items (while the person has gold items "
        "left to see); gold items look like any other item to the annotator.",
    )
    min_gold_accuracy: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Accuracy on gold below which a person is stopped from taking more of "
        "this project's work (None: never).",
    )
    min_gold_items: int = Field(
        10,
        ge=1,
        le=10_000,
        description="Gold items a person must have answered before min_gold_accuracy applies.",
    )

    target_confidence: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Dynamic overlap: an item whose resolution is less sure than this after "
        "`overlap` annotations goes back to the queue for one more person, up to "
        "`max_overlap` (None: a fixed overlap).",
    )
    max_overlap: int | None = Field(
        None,
        ge=1,
        le=50,
        description="The most annotations dynamic overlap asks for (default: overlap + 2).",
    )

    truth_method: TruthMethod = Field(
        "auto",
        description="How categorical fields are resolved once a truth model is fitted: "
        "`auto` (choose per field from the data) or one of `majority_vote`, `weighted_vote`, "
        "`one_coin`, `dawid_skene`, `glad`, `mace`. Before the first fit: majority vote.",
    )
    refit_after: int | None = Field(
        100,
        ge=1,
        le=10_000_000,
        description="Refit the truth model in the background once this many annotations "
        "arrived since the last fit, and at least as many as that fit saw (so a large "
        "project refits when its annotations double). None: only on demand.",
    )

    review_rate: float = Field(
        0.0,
        ge=0.0,
        le=1.0,
        description="Share of submitted answers sent to a reviewer, drawn at random "
        "(0: none, 1: every answer).",
    )
    review_first_answers: int = Field(
        0,
        ge=0,
        le=10_000,
        description="Send every answer of a person new to the project to review: their "
        "first N answers here (0: off).",
    )
    review_below_confidence: float | None = Field(
        None,
        gt=0.0,
        le=1.0,
        description="Send an item's final value to review when its resolution is less sure "
        "than this once the item is done (None: never).",
    )
    review_disagreements: bool = Field(
        False,
        description="Send an item's final value to review when its annotators gave "
        "different answers.",
    )

    @model_validator(mode="after")
    def _overlaps_ordered(self) -> Self:
        if self.max_overlap is not None and self.max_overlap < self.overlap:
            raise ValueError("max_overlap must be at least overlap")
        return self

    def wants_another(self, confidence: float, annotations: int) -> bool:
        """Whether an item resolved at ``confidence`` from ``annotations`` answers should go
        to one more person."""
        if self.target_confidence is None or confidence >= self.target_confidence:
            return False
        ceiling = self.max_overlap if self.max_overlap is not None else self.overlap + 2
        return annotations < ceiling

    def wants_refit(self, seen: int | None, new: int) -> bool:
        """Whether ``new`` annotations since the last fit (which saw ``seen``; None: no fit
        yet) call for a new one."""
        if self.refit_after is None:
            return False
        return new >= max(self.refit_after, seen or 0)

    def below_bar(self, seen: int, correct: int) -> bool:
        """Whether a record of ``correct`` right answers out of ``seen`` gold items is
        enough evidence that the person falls short of the project's bar."""
        if self.min_gold_accuracy is None or seen < self.min_gold_items:
            return False
        return correct / seen < self.min_gold_accuracy

    def answer_review(self, draw: float, answers_so_far: int | None) -> Reason | None:
        """Why one submitted answer goes to review, or None: ``draw`` is uniform in [0, 1);
        ``answers_so_far`` counts the person's answers in the project, this one included
        (None when ``review_first_answers`` is off and it was not counted)."""
        if answers_so_far is not None and answers_so_far <= self.review_first_answers:
            return Reason.new_worker
        if draw < self.review_rate:
            return Reason.sampled
        return None

    def item_review(self, confidence: float, answers_differ: bool) -> Reason | None:
        """Why a finished item's final value goes to review, or None."""
        if self.review_disagreements and answers_differ:
            return Reason.disagreement
        if self.review_below_confidence is not None and confidence < self.review_below_confidence:
            return Reason.low_confidence
        return None

    @classmethod
    def parse(cls, raw: Any) -> Workflow:
        """Validate a workflow document, naming the offending field on error."""
        if raw is None:
            return cls()
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise first_error(exc).under("workflow") from None
