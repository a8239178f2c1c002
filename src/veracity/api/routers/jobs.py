"""Background jobs: start one on a project, watch its progress; the current truth model."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import MAX_ID, ProjectId
from veracity.api.schemas.jobs import JobIn, JobList, JobOut, TruthOut

router = APIRouter(prefix="/api/v1", tags=["jobs"], route_class=JsonRoute)

JobId = Annotated[int, Path(ge=1, le=MAX_ID, description="A job's id.")]


@router.post(
    "/projects/{project_id}/jobs",
    status_code=202,
    response_model=JobOut,
    responses=errors(403, 404),
)
def start_job(project_id: ProjectId, body: JobIn, caller: CurrentCaller, svc: Svc) -> Any:
    """Queue a job on the project (owners, admins and managers). ``resolve`` refits the
    truth model from every annotation and gold, and re-resolves every item. A job of the
    same kind still waiting in the queue is returned instead of a second one."""
    return svc.jobs.request(caller, project_id, body.kind).to_json()


@router.get("/projects/{project_id}/jobs", response_model=JobList, responses=errors(403, 404))
def project_jobs(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """The project's 20 most recent jobs, newest first, with their progress."""
    return {"jobs": [j.to_json() for j in svc.jobs.project_jobs(caller, project_id)]}


@router.get("/jobs/{job_id}", response_model=JobOut, responses=errors(403, 404))
def get_job(job_id: JobId, caller: CurrentCaller, svc: Svc) -> Any:
    """One job: its state, progress, error and result."""
    return svc.jobs.get(caller, job_id).to_json()


@router.get("/projects/{project_id}/truth", response_model=TruthOut, responses=errors(403, 404))
def truth_model(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """The project's ``truth_method`` and its current fitted model: per categorical field
    the method, the workers and classes it knows, and when it was fitted on how many
    annotations."""
    project = svc.projects.get(caller, project_id)
    model = svc.jobs.current_model(caller, project_id)
    return {
        "truth_method": project.workflow.truth_method,
        "model": model.to_json() if model else None,
    }
