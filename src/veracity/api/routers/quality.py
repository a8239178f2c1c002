"""A project's quality report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import ProjectId
from veracity.api.schemas.quality import QualityOut

router = APIRouter(prefix="/api/v1/projects", tags=["quality"], route_class=JsonRoute)


@router.get("/{project_id}/quality", response_model=QualityOut, responses=errors(403, 404))
def quality(project_id: ProjectId, caller: CurrentCaller, svc: Svc) -> Any:
    """Agreement per field (Krippendorff's alpha, Fleiss' and Cohen's kappa, confusion
    matrices) and each worker's accuracy against gold or the resolved labels, with counts."""
    return svc.quality.report(caller, project_id)
