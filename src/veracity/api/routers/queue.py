"""Working the queue: next, my open leases, submit, skip."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from veracity.api.deps import AUTH, CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import AssignmentId, ProjectId
from veracity.api.schemas.queue import LeaseList, LeaseOut, SkipOut, SubmitIn, SubmitOut

router = APIRouter(prefix="/api/v1", tags=["queue"], dependencies=AUTH, route_class=JsonRoute)


@router.post(
    "/projects/{project_id}/queue/next",
    response_model=LeaseOut,
    responses={204: {"description": "No work for the caller right now."}, **errors(403, 404, 409)},
)
def next_item(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Lease the next item to the caller for the project's ``lease_seconds``."""
    lease = svc.queue.next(caller, project_id)
    if lease is None:
        return Response(status_code=204)
    return lease.to_json()


@router.get(
    "/projects/{project_id}/queue/mine", response_model=LeaseList, responses=errors(403, 404)
)
def my_leases(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """The caller's open leases in the project (to resume work after a reload)."""
    return {"leases": [lease.to_json() for lease in svc.queue.open_leases(caller, project_id)]}


@router.post(
    "/assignments/{assignment_id}/submit",
    response_model=SubmitOut,
    responses=errors(403, 404, 409),
)
def submit(assignment_id: AssignmentId, body: SubmitIn, caller: CurrentCaller, svc: Svc) -> Any:
    """Store the caller's answer. 409 when the lease was lost or already used."""
    done = svc.queue.submit(caller, assignment_id, body.value, body.seconds)
    return {
        "annotation_id": done.annotation_id,
        "assignment_id": done.assignment_id,
        "item_id": done.item_id,
    }


@router.post(
    "/assignments/{assignment_id}/skip", response_model=SkipOut, responses=errors(403, 404, 409)
)
def skip(assignment_id: AssignmentId, caller: CurrentCaller, svc: Svc) -> Any:
    """Give the item back; someone else gets it, never the caller again."""
    svc.queue.skip(caller, assignment_id)
    return {"assignment_id": assignment_id, "status": "skipped"}
