"""Large uploads (item and annotation imports): spooled, then read record by record."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Request
from starlette.exceptions import HTTPException

from veracity.services.item_readers import MEDIA_TYPES, ItemFormat, read_records

# Uploads are spooled: kept in memory up to this size, then on disk, so that an import of
# any size runs in flat memory and is parsed only once the whole body has arrived.
SPOOL_BYTES = 4 * 1024 * 1024


@asynccontextmanager
async def uploaded_records(
    request: Request, formats: frozenset[ItemFormat] = frozenset(ItemFormat)
) -> AsyncIterator[Iterator[Any]]:
    """The request body's records, for a format named by its Content-Type (415 otherwise)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fmt = MEDIA_TYPES.get(media_type)
    if fmt is None or fmt not in formats:
        accepted = ", ".join(sorted(m for m, f in MEDIA_TYPES.items() if f in formats))
        raise HTTPException(415, f"send one of: {accepted}")
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        async for chunk in request.stream():
            spool.write(chunk)
        spool.seek(0)
        yield read_records(spool, fmt, request.app.state.settings.max_json_depth)
