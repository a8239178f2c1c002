"""Working the queue: next, my open leases, submit, skip."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from starlette.concurrency import run_in_threadpool

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import FastJSONResponse, errors
from veracity.api.routers.ids import AssignmentId, ProjectId
from veracity.api.schemas.queue import LeaseList, LeaseOut, SkipOut, SubmitIn, SubmitOut

router = APIRouter(prefix="/api/v1", tags=["queue"], route_class=JsonRoute)


@router.post(
    "/projects/{project_id}/queue/next",
    response_model=LeaseOut,
    responses={204: {"description": "No work for the caller right now."}, **errors(403, 404, 409)},
)
async def next_item(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Lease the next item to the caller for the project's ``lease_seconds``."""
    # One hop to a worker thread per request: this route and submit are the hot path.
    lease = await run_in_threadpool(svc.queue.next, caller, project_id)
    if lease is None:
        return Response(status_code=204)
    return FastJSONResponse(lease.to_json())


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
async def submit(
    assignment_id: AssignmentId, body: SubmitIn, caller: CurrentCaller, svc: Svc
) -> Any:
    """Store the caller's answer. 409 when the lease was lost or already used."""
    done = await run_in_threadpool(
        svc.queue.submit, caller, assignment_id, body.value, body.seconds
    )
    return FastJSONResponse(
        {
            "annotation_id": done.annotation_id,
            "assignment_id": done.assignment_id,
            "item_id": done.item_id,
        }
    )


@router.post(
    "/assignments/{assignment_id}/skip", response_model=SkipOut, responses=errors(403, 404, 409)
)
async def skip(assignment_id: AssignmentId, caller: CurrentCaller, svc: Svc) -> Any:
    """Give the item back; someone else gets it, never the caller again."""
    await run_in_threadpool(svc.queue.skip, caller, assignment_id)
    return FastJSONResponse({"assignment_id": assignment_id, "status": "skipped"})
