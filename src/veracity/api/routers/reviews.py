"""The review stage: reviewers take and decide reviews; managers list and request them;
workers read the feedback on their own answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import MAX_ID, ProjectId
from veracity.api.schemas.reviews import (
    DecisionIn,
    DecisionOut,
    FeedbackList,
    ReviewLeaseOut,
    ReviewPageOut,
    ReviewRequestIn,
    ReviewRequestOut,
)

router = APIRouter(prefix="/api/v1", tags=["reviews"], route_class=JsonRoute)

ReviewId = Annotated[int, Path(ge=1, le=MAX_ID, description="A review's id.")]
ReviewState = Literal["pending", "leased", "accepted", "rejected", "fixed"]


@router.post(
    "/projects/{project_id}/reviews/next",
    response_model=ReviewLeaseOut,
    responses={204: {"description": "No review for the caller right now."}, **errors(403, 404)},
)
def next_review(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Lease the next pending review to the caller (reviewers and up); never work on an item
    they annotated themselves. The review they hold already comes back until decided."""
    lease = svc.reviews.next(caller, project_id)
    if lease is None:
        return Response(status_code=204)
    return lease.to_json()


@router.post("/reviews/{review_id}", response_model=DecisionOut, responses=errors(403, 404, 409))
def decide(review_id: ReviewId, body: DecisionIn, caller: CurrentCaller, svc: Svc) -> Any:
    """Accept, reject (``comment`` required; the worker reads it) or fix (``value``
    required) a review the caller holds. 409 when they no longer hold it."""
    return svc.reviews.decide(caller, review_id, body.decision, body.comment, body.value).to_json()


@router.get(
    "/projects/{project_id}/reviews", response_model=ReviewPageOut, responses=errors(403, 404)
)
def reviews(
    project_id: ProjectId,
    caller: CurrentCaller,
    svc: Svc,
    state: Annotated[ReviewState | None, Query(description="only reviews in this state")] = None,
    worker: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="only reviews of this user's answers")
    ] = None,
    cursor: Annotated[
        int, Query(ge=0, le=MAX_ID, description="`next_cursor` of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Any:
    """The project's reviews, oldest first (managers and leads)."""
    rows, next_cursor = svc.reviews.page(
        caller, project_id, state=state, worker_id=worker, cursor=cursor, limit=limit
    )
    return {"reviews": rows, "next_cursor": next_cursor}


@router.post(
    "/projects/{project_id}/reviews",
    response_model=ReviewRequestOut,
    responses=errors(403, 404),
)
def request_reviews(
    project_id: ProjectId, body: ReviewRequestIn, caller: CurrentCaller, svc: Svc
) -> Any:
    """Send items' final values to review, saying why (managers and leads)."""
    return {"created": svc.reviews.request(caller, project_id, body.item_ids, body.reason)}


@router.get(
    "/projects/{project_id}/reviews/mine", response_model=FeedbackList, responses=errors(403, 404)
)
def my_feedback(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Reviewers' decisions on the caller's own answers, newest first, with comments."""
    return {"feedback": svc.reviews.feedback(caller, project_id)}
