"""Importing items (JSON array, NDJSON, CSV), annotations made elsewhere, and gold values."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import ProjectId
from veracity.api.schemas.items import (
    AnnotationImportOut,
    AnnotationIn,
    GoldIn,
    GoldOut,
    ImportOut,
    ItemIn,
)
from veracity.api.uploads import uploaded_records
from veracity.services.item_readers import ItemFormat
from veracity.settings import Settings

_IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "array", "items": ItemIn.model_json_schema()}},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
    },
}

_ANNOTATIONS_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "array", "items": AnnotationIn.model_json_schema()}
        },
        "application/x-ndjson": {"schema": {"type": "string"}},
    },
}


def build(settings: Settings) -> APIRouter:
    """The items router (its import route's size limit is set in ``BodyLimit``)."""
    router = APIRouter(prefix="/api/v1/projects", tags=["items"], route_class=JsonRoute)

    @router.post(
        "/{project_id}/items",
        response_model=ImportOut,
        responses=errors(403, 404, 413, 415),
        openapi_extra={"requestBody": _IMPORT_BODY},
    )
    async def import_items(
        project_id: ProjectId, request: Request, caller: CurrentCaller, svc: Svc
    ) -> Any:
        """Import items: a JSON array, NDJSON (``application/x-ndjson``) or CSV (``text/csv``).

        Idempotent by ``external_id``; all or nothing: any invalid record answers 422 naming
        the record's number and field, and nothing is stored.
        """
        async with uploaded_records(request) as records:
            result = await run_in_threadpool(svc.items.import_records, caller, project_id, records)
        return {
            "created": result.created,
            "unchanged": result.unchanged,
            "updated": result.updated,
            "total": result.total,
        }

    @router.post(
        "/{project_id}/annotations",
        response_model=AnnotationImportOut,
        responses=errors(403, 404, 413, 415),
        openapi_extra={"requestBody": _ANNOTATIONS_BODY},
    )
    async def import_annotations(
        project_id: ProjectId, request: Request, caller: CurrentCaller, svc: Svc
    ) -> Any:
        """Import annotations made elsewhere, with the outside workers' ids: a JSON array or
        NDJSON of ``{external_id, worker, value, seconds?}``. All or nothing; importing the
        same records again changes nothing; items that reach their overlap are resolved.
        """
        formats = frozenset({ItemFormat.json, ItemFormat.ndjson})
        async with uploaded_records(request, formats) as records:
            result = await run_in_threadpool(
                svc.annotation_import.import_records, caller, project_id, records
            )
        return {
            "created": result.created,
            "unchanged": result.unchanged,
            "items_resolved": result.items_resolved,
        }

    @router.post("/{project_id}/gold", response_model=GoldOut, responses=errors(403, 404))
    def upload_gold(
        project_id: ProjectId, body: list[GoldIn], caller: CurrentCaller, svc: Svc
    ) -> Any:
        """Set the expected values of items, by external id. Annotators never see them."""
        return {"saved": svc.gold.upload(caller, project_id, [g.model_dump() for g in body])}

    return router
