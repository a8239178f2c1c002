"""Importing items (JSON array, NDJSON, CSV) and gold values."""

from __future__ import annotations

import tempfile
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from veracity.api.deps import CurrentCaller, Svc
from veracity.api.errors import error_body
from veracity.api.json_body import JsonRoute
from veracity.api.responses import errors
from veracity.api.routers.ids import ProjectId
from veracity.api.schemas.items import GoldIn, GoldOut, ImportOut, ItemIn
from veracity.services.item_readers import MEDIA_TYPES, read_records
from veracity.settings import Settings

# Uploads are spooled: kept in memory up to this size, then on disk, so that an import of
# any size runs in flat memory and is parsed only once the whole body has arrived.
SPOOL_BYTES = 4 * 1024 * 1024

_IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "array", "items": ItemIn.model_json_schema()}},
        "application/x-ndjson": {"schema": {"type": "string"}},
        "text/csv": {"schema": {"type": "string"}},
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
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        fmt = MEDIA_TYPES.get(media_type)
        if fmt is None:
            accepted = ", ".join(sorted(MEDIA_TYPES))
            return JSONResponse(
                error_body("unsupported_media_type", f"send one of: {accepted}"),
                status_code=415,
            )
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            async for chunk in request.stream():
                spool.write(chunk)
            spool.seek(0)
            records = read_records(spool, fmt, request.app.state.settings.max_json_depth)
            result = await run_in_threadpool(svc.items.import_records, caller, project_id, records)
        return {
            "created": result.created,
            "unchanged": result.unchanged,
            "updated": result.updated,
            "total": result.total,
        }

    @router.post("/{project_id}/gold", response_model=GoldOut, responses=errors(403, 404))
    def upload_gold(
        project_id: ProjectId, body: list[GoldIn], caller: CurrentCaller, svc: Svc
    ) -> Any:
        """Set the expected values of items, by external id. Annotators never see them."""
        return {"saved": svc.gold.upload(caller, project_id, [g.model_dump() for g in body])}

    return router
