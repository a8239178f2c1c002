"""The review stage: work sent to review, reviewers' leases and decisions, workers' feedback.

Two kinds of review share one queue:

- a review of one *answer* (an annotation), sampled or sent by rule at submit time. Its
  decision counts toward the worker's review record; a rejection takes the answer out of the
  item's overlap and resolution, so the item goes back to the queue for someone else;
- a review of an *item's final value* (no annotation named): an unsure or disputed
  resolution, or one that other code asks about (:func:`request_review`). The reviewer
  confirms it or sets the right value.

Nothing is overwritten: a rejected answer is marked, a fix is a new annotation that
supersedes the reviewed one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import Conflict, InvalidRecord, NotFound
from veracity.domain.review import (
    DECIDED,
    Decision,
    State,
    check_comment,
    check_reason,
    disagreed,
    same_value,
    state_after,
)
from veracity.domain.roles import Permission
from veracity.domain.truth import Resolved
from veracity.services import audit
from veracity.services.projects import Project, require_project
from veracity.services.resolving import TruthModels, resolve_item
from veracity.services.retry import retrying
from veracity.storage.db import Database
from veracity.storage.queries import accounts as accounts_q
from veracity.storage.queries import annotations as annotations_q
from veracity.storage.queries import queue as queue_q
from veracity.storage.queries import resolutions as resolutions_q
from veracity.storage.queries import reviews as q
from veracity.storage.queries import workers as workers_q
from veracity.storage.types import AnyRow, utcnow

MAX_PAGE = 500
MAX_REQUEST = 10_000
FEEDBACK_LIMIT = 200
# A reviewer's own value for an item's final value: stored for the record, outside the vote.
REVIEW_STAGE = "review"
REVIEW_METHOD = "review"
REVIEW_SOURCE = "review"


def reviews_anything(project: Project) -> bool:
    """Whether the project's workflow sends any work to review at submit time."""
    flow = project.workflow
    return bool(
        flow.review_rate
        or flow.review_first_answers
        or flow.review_below_confidence is not None
        or flow.review_disagreements
    )


def after_submit(
    conn: Connection,
    project: Project,
    *,
    user_id: int,
    item_id: int,
    annotation_id: int,
    draw: float,
    final: Resolved | None,
    n_done: int,
) -> None:
    """Send a just-stored answer (and, when ``final`` is the finished item's resolution, the
    item's final value) to review if the workflow says so: one insert at most.

    ``draw`` is uniform in [0, 1) for ``review_rate``. Reads happen only for the rules that
    are switched on: a bounded count of the person's answers for ``review_first_answers``,
    the item's answers for ``review_disagreements``.
    """
    flow = project.workflow
    counted = None
    if flow.review_first_answers:
        counted = q.answers_so_far(conn, project.id, user_id, flow.review_first_answers + 1)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    reason = flow.answer_review(draw, counted)
    if reason is not None:
        rows.append(_row(project.id, item_id, annotation_id, user_id, reason.value, now))
    if final is not None and (flow.review_disagreements or flow.review_below_confidence):
        differ = False
        if flow.review_disagreements and n_done > 1:
            differ = disagreed(project.schema, annotations_q.current_values(conn, item_id))
        item_reason = flow.item_review(final.confidence, differ)
        if item_reason is not None and not q.items_under_review(conn, project.id, [item_id]):
            rows.append(_row(project.id, item_id, None, None, item_reason.value, now))
    q.insert_reviews(conn, rows)


def request_review(conn: Connection, project: Project, item_ids: list[int], reason: str) -> int:
    """Send items' final values to review, in the caller's transaction, saying why
    (``reason``, shown to the reviewer); return how many reviews were queued.

    For code that finds suspect labels (the likely-label-errors job): the reviewer confirms
    the item's final value or sets the right one. An item that already waits for such a
    review is not queued twice, and gold items are left out (their value is known).
    ``NotFound`` names the first id that is not an item of the project.
    """
    text = check_reason(reason)
    ids = sorted(set(item_ids))
    if len(ids) > MAX_REQUEST:
        raise InvalidRecord(f"allows at most {MAX_REQUEST} items at once", field="item_ids")
    states = q.project_items(conn, project.id, ids)
    for item_id in ids:
        if item_id not in states:
            raise NotFound("item", item_id)
    waiting = q.items_under_review(conn, project.id, ids)
    now = utcnow()
    rows = [
        _row(project.id, item_id, None, None, text, now)
        for item_id in ids
        if item_id not in waiting and states[item_id] != queue_q.GOLD
    ]
    q.insert_reviews(conn, rows)
    return len(rows)


def _row(
    project_id: int,
    item_id: int,
    annotation_id: int | None,
    worker_id: int | None,
    reason: str,
    now: datetime,
) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "item_id": item_id,
        "annotation_id": annotation_id,
        "worker_id": worker_id,
        "reason": reason,
        "created_at": now,
    }


@dataclass(frozen=True, slots=True)
class ReviewLease:
    """A review leased to the caller: the item and the value to judge."""

    review_id: int
    kind: str
    reason: str
    lease_expires_at: datetime
    item: dict[str, Any]
    value: dict[str, Any] | None
    answers: list[dict[str, Any]]
    resolution: dict[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        """The lease as the API returns it."""
        return {
            "review_id": self.review_id,
            "kind": self.kind,
            "reason": self.reason,
            "lease_expires_at": self.lease_expires_at,
            "item": self.item,
            "value": self.value,
            "answers": self.answers,
            "resolution": self.resolution,
        }


@dataclass(frozen=True, slots=True)
class Decided:
    """A recorded decision; ``annotation_id`` is the fix's new annotation, if one was made."""

    review_id: int
    state: str
    annotation_id: int | None

    def to_json(self) -> dict[str, Any]:
        """The decision as the API returns it."""
        return {
            "review_id": self.review_id,
            "state": self.state,
            "annotation_id": self.annotation_id,
        }


def _resolution_json(row: AnyRow | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "value": row.value,
        "confidence": row.confidence,
        "method": row.method,
        "source": row.source,
        "n_annotations": row.n_annotations,
    }


def review_json(row: AnyRow, *, with_item_data: bool = False) -> dict[str, Any]:
    """A review in a listing: what was judged, the decision, who and when."""
    out = {
        "review_id": int(row.id),
        "item_id": int(row.item_id),
        "external_id": row.external_id,
        "kind": "answer" if row.annotation_id is not None else "item",
        "annotation_id": row.annotation_id,
        "reason": row.reason,
        "state": row.state,
        "worker": row.worker,
        "reviewer": row.reviewer,
        "value": row.annotation_value,
        "fixed_value": row.fix_value,
        "comment": row.comment,
        "created_at": row.created_at,
        "decided_at": row.decided_at,
    }
    if with_item_data:
        out["item_data"] = row.data
    return out


class ReviewService:
    """Use cases of reviewers, of the managers who watch them, and of reviewed workers."""

    def __init__(self, db: Database, truth: TruthModels) -> None:
        self.db = db
        self.truth = truth

    # -- reviewers ---------------------------------------------------------------------------

    def next(self, caller: Caller, project_id: int) -> ReviewLease | None:
        """Lease the next pending review of the project to the caller (the one they hold
        already, if its lease still runs), or None when there is none for them. Reviewers
        never get an item they annotated."""
        caller.require(Permission.review)
        reviewer = caller.worker_id()

        def lease() -> ReviewLease | None:
            with self.db.write(durable=False) as conn:
                project = require_project(conn, caller, project_id)
                now = utcnow()
                review_id = q.held_by(conn, project.id, reviewer, now)
                if review_id is None:
                    expires = now + timedelta(seconds=project.workflow.lease_seconds)
                    review_id = q.lease(conn, project.id, reviewer, now, expires)
                if review_id is None:
                    return None
                return self._lease_view(conn, caller, review_id)

        return retrying(lease)

    def _lease_view(self, conn: Connection, caller: Caller, review_id: int) -> ReviewLease:
        row = q.review_in_org(conn, review_id, caller.org_id)
        assert row is not None  # just leased in this transaction
        resolution = _resolution_json(q.resolution_of(conn, int(row.item_id)))
        if row.annotation_id is not None:
            kind, value, answers = "answer", row.annotation_value, []
        else:
            kind = "item"
            value = resolution["value"] if resolution else None
            answers = annotations_q.current_values(conn, int(row.item_id))
        return ReviewLease(
            review_id=int(row.id),
            kind=kind,
            reason=row.reason,
            lease_expires_at=row.lease_expires_at,
            item={"id": int(row.item_id), "external_id": row.external_id, "data": row.data},
            value=value,
            answers=answers,
            resolution=resolution,
        )

    def decide(
        self,
        caller: Caller,
        review_id: int,
        decision: str,
        comment: str | None = None,
        value: Any = None,
    ) -> Decided:
        """Accept, reject (with a comment the worker reads) or fix (with a new value) a review
        the caller holds. ``Conflict`` when they no longer hold it."""
        caller.require(Permission.review)
        reviewer = caller.worker_id()
        try:
            chosen = Decision(decision)
        except ValueError:
            raise InvalidRecord("must be one of: accept, reject, fix", field="decision") from None
        text = check_comment(chosen, comment)
        if chosen is Decision.fix and value is None:
            raise InvalidRecord("is required to fix: the right value", field="value")

        def run() -> Decided:
            with self.db.write() as conn:
                row = q.review_in_org(conn, review_id, caller.org_id)
                if row is None:
                    raise NotFound("review", review_id)
                if row.state in DECIDED:
                    raise Conflict("this review was already decided")
                if row.state != q.LEASED or row.reviewer_id != reviewer:
                    raise Conflict("you do not hold this review; take one with reviews/next")
                project = require_project(conn, caller, int(row.project_id))
                clean = None
                if chosen is Decision.fix:
                    try:
                        clean = project.schema.check(value, row.data)
                    except InvalidRecord as exc:
                        raise exc.under("value") from None
                now = utcnow()
                if row.annotation_id is not None:
                    state, fix_id = self._decide_answer(conn, project, row, chosen, clean, now)
                else:
                    state, fix_id = self._decide_item(conn, project, row, chosen, clean, now)
                if not q.decide(conn, review_id, reviewer, state.value, text, fix_id, now):
                    raise Conflict("you no longer hold this review")
                audit.record(
                    conn,
                    caller,
                    "review.decide",
                    "review",
                    review_id,
                    project_id=project.id,
                    state=state.value,
                )
                return Decided(review_id, state.value, fix_id)

        return retrying(run)

    def _decide_answer(
        self,
        conn: Connection,
        project: Project,
        row: AnyRow,
        decision: Decision,
        clean: dict[str, Any] | None,
        now: datetime,
    ) -> tuple[State, int | None]:
        """A decision on one answer: counts toward its worker's record."""
        item_id = int(row.item_id)
        fix_id = None
        if decision is Decision.fix:
            assert clean is not None
            changed = not same_value(project.schema, clean, row.annotation_value)
            state = state_after(decision, changed)
            if state is State.fixed:
                fix_id = q.insert_fix(
                    conn,
                    project_id=project.id,
                    item_id=item_id,
                    user_id=self._reviewer(row),
                    stage="label",
                    value=clean,
                    supersedes_id=int(row.annotation_id),
                    now=now,
                )
                if row.item_state == "done":
                    resolve_item(conn, project, item_id, truth=self.truth)
        else:
            state = state_after(decision, changed=False)
            if state is State.rejected:
                q.reject_annotation(conn, int(row.annotation_id), now)
                # The answer no longer fills a slot: the item goes back to the queue, and its
                # old resolution no longer stands (never back to this worker: they were
                # given the item once already).
                n_done, quota = queue_q.uncount(conn, item_id)
                if n_done and n_done >= quota:
                    resolve_item(conn, project, item_id, truth=self.truth)
                else:
                    q.drop_resolution(conn, item_id)
        if row.worker_id is not None:
            workers_q.count_review(
                conn, project.id, int(row.worker_id), state is State.accepted, now
            )
        return state, fix_id

    def _decide_item(
        self,
        conn: Connection,
        project: Project,
        row: AnyRow,
        decision: Decision,
        clean: dict[str, Any] | None,
        now: datetime,
    ) -> tuple[State, int | None]:
        """A decision on an item's final value: the reviewer's word becomes the resolution
        (source ``review``); a rejection without a value asks one more person."""
        item_id = int(row.item_id)
        current = q.resolution_of(conn, item_id)
        if decision is Decision.reject:
            queue_q.ask_one_more(conn, item_id)
            return State.rejected, None
        if decision is Decision.accept:
            if current is not None:
                self._review_resolution(conn, project, item_id, current.value, now)
            return State.accepted, None
        assert clean is not None
        changed = current is None or not same_value(project.schema, clean, current.value)
        state = state_after(decision, changed)
        fix_id = None
        if changed:
            fix_id = q.insert_fix(
                conn,
                project_id=project.id,
                item_id=item_id,
                user_id=self._reviewer(row),
                stage=REVIEW_STAGE,
                value=clean,
                supersedes_id=None,
                now=now,
            )
        self._review_resolution(conn, project, item_id, clean, now)
        return state, fix_id

    @staticmethod
    def _reviewer(row: AnyRow) -> int:
        return int(row.reviewer_id)

    @staticmethod
    def _review_resolution(
        conn: Connection, project: Project, item_id: int, value: dict[str, Any], now: datetime
    ) -> None:
        resolutions_q.save_resolution(
            conn,
            item_id=item_id,
            project_id=project.id,
            value=value,
            confidence=1.0,
            method=REVIEW_METHOD,
            source=REVIEW_SOURCE,
            n_annotations=len(annotations_q.current_values(conn, item_id)),
            now=now,
        )

    # -- managers ----------------------------------------------------------------------------

    def request(self, caller: Caller, project_id: int, item_ids: list[int], reason: str) -> int:
        """Send items' final values to review (managers and leads); how many were queued."""
        caller.require(Permission.read_results)
        with self.db.write() as conn:
            project = require_project(conn, caller, project_id)
            created = request_review(conn, project, item_ids, reason)
            audit.record(
                conn, caller, "review.request", "project", project_id, items=created, reason=reason
            )
            return created

    def page(
        self,
        caller: Caller,
        project_id: int,
        *,
        state: str | None = None,
        worker_id: int | None = None,
        cursor: int = 0,
        limit: int = 100,
    ) -> tuple[list[dict[str, Any]], int | None]:
        """The project's reviews, oldest first, optionally in one state or of one worker's
        answers; with the cursor of the next page (None at the end)."""
        caller.require(Permission.read_results)
        if state is not None and state not in State.__members__:
            raise InvalidRecord(f"must be one of: {', '.join(State.__members__)}", field="state")
        limit = max(1, min(limit, MAX_PAGE))
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            member = worker_id is None or accounts_q.membership(conn, caller.org_id, worker_id)
            if not member:
                raise NotFound("user", worker_id)
            rows = q.page(
                conn, project_id, state=state, worker_id=worker_id, after_id=cursor, limit=limit + 1
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return [review_json(r) for r in rows], (int(rows[-1].id) if more else None)

    def counts(self, caller: Caller, project_id: int) -> dict[str, int]:
        """How many of the project's reviews are in each state."""
        caller.require(Permission.read_stats)
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            found = q.counts_by_state(conn, project_id)
        return {state.value: found.get(state.value, 0) for state in State}

    # -- workers -----------------------------------------------------------------------------

    def feedback(self, caller: Caller, project_id: int) -> list[dict[str, Any]]:
        """Reviewers' decisions on the caller's own answers in the project, newest first,
        with their comments (what to do better)."""
        caller.require(Permission.work)
        user_id = caller.worker_id()
        with self.db.read() as conn:
            require_project(conn, caller, project_id)
            rows = q.feedback(conn, project_id, user_id, FEEDBACK_LIMIT)
        # Who reviewed is not shown to the reviewed: the decision and its reasons are.
        return [
            {k: v for k, v in review_json(r, with_item_data=True).items() if k != "reviewer"}
            for r in rows
        ]
