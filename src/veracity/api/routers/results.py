"""Resolutions and exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import MAX_ID, ProjectId
from veracity.api.schemas.queue import ResolutionPageOut

router = APIRouter(prefix="/api/v1/projects", tags=["results"], route_class=JsonRoute)


@router.get(
    "/{project_id}/resolutions", response_model=ResolutionPageOut, responses=errors(403, 404)
)
def resolutions(
    project_id: ProjectId,
    caller: CurrentCaller,
    svc: Svc,
    cursor: Annotated[
        int, Query(ge=0, le=MAX_ID, description="`next_cursor` of the previous page")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Final value per item with confidence, method and source, in item order."""
    page = svc.resolutions.page(caller, project_id, cursor, limit)
    return {"resolutions": page.resolutions, "next_cursor": page.next_cursor}


@router.get(
    "/{project_id}/export",
    responses={
        200: {
            "description": "The file, streamed.",
            "content": {"application/x-ndjson": {}, "text/csv": {}},
        },
        **errors(403, 404),
    },
    response_class=StreamingResponse,
)
def export(
    project_id: ProjectId,
    caller: CurrentCaller,
    svc: Svc,
    format: Annotated[str, Query(max_length=32, description="jsonl or csv")] = "jsonl",
) -> Any:
    """Every item with its data, annotations (who, when, seconds) and resolution."""
    result = svc.exports.export(caller, project_id, format)
    return StreamingResponse(
        result.chunks,
        media_type=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
