"""Projects: create, list, read, change, and their figures."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import ProjectId
from veracity.api.schemas.projects import ProjectIn, ProjectList, ProjectOut, ProjectPatch
from veracity.api.schemas.stats import StatsOut

router = APIRouter(prefix="/api/v1/projects", tags=["projects"], route_class=JsonRoute)


@router.post("", status_code=201, response_model=ProjectOut, responses=errors(403, 409))
def create_project(body: ProjectIn, caller: CurrentCaller, svc: Svc) -> Any:
    """Create a project with a label schema, a workflow and instructions."""
    project = svc.projects.create(
        caller, body.name, body.label_schema, body.workflow, body.instructions
    )
    return project.to_json()


@router.get("", response_model=ProjectList, responses=errors(403))
def list_projects(caller: CurrentCaller, svc: Svc) -> Any:
    """The projects of the caller's organization, newest first."""
    return {"projects": [p.to_json() for p in svc.projects.list(caller)]}


@router.get("/{project_id}", response_model=ProjectOut, responses=errors(403, 404))
def get_project(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """One project: its schema, workflow and instructions."""
    return svc.projects.get(caller, project_id).to_json()


@router.patch("/{project_id}", response_model=ProjectOut, responses=errors(403, 404, 409))
def update_project(
    project_id: ProjectId, body: ProjectPatch, caller: CurrentCaller, svc: Svc
) -> Any:
    """Rename a project, or change its instructions or workflow."""
    return svc.projects.update(
        caller,
        project_id,
        name=body.name,
        instructions=body.instructions,
        workflow=body.workflow,
    ).to_json()


@router.get("/{project_id}/stats", response_model=StatsOut, responses=errors(403, 404))
def project_stats(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Counts, progress and quality of a project."""
    return svc.stats.project_stats(caller, project_id)
