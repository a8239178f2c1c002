"""Workers' accuracy on gold, and lifting a block."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import MAX_ID, ProjectId
from veracity.api.schemas.workers import UnblockOut, WorkerList, WorkerOut

router = APIRouter(prefix="/api/v1/projects", tags=["workers"], route_class=JsonRoute)

UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="A user's id.")]


@router.get("/{project_id}/workers", response_model=WorkerList, responses=errors(403, 404))
def workers(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Every worker of the project: annotations, gold answered and right, blocked or not."""
    return {"workers": [w.to_json() for w in svc.workers.standings(caller, project_id)]}


@router.get("/{project_id}/workers/me", response_model=WorkerOut, responses=errors(403, 404))
def my_standing(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """The caller's own accuracy on gold (with its count) and whether they are stopped."""
    return svc.workers.my_standing(caller, project_id).to_json()


@router.post(
    "/{project_id}/workers/{user_id}/unblock",
    response_model=UnblockOut,
    responses=errors(403, 404),
)
def unblock(project_id: ProjectId, user_id: UserId, caller: CurrentCaller, svc: Svc) -> Any:
    """Let a worker stopped for low gold accuracy take the project's work again."""
    svc.workers.unblock(caller, project_id, user_id)
    return {"user_id": user_id, "blocked": False}
