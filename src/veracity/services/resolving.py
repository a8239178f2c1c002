"""Turning an item's annotations into its resolution, inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from veracity.domain.truth import Resolved, majority_vote
from veracity.storage.queries import annotations as annotations_q
from veracity.storage.queries import resolutions as resolutions_q
from veracity.storage.types import utcnow

if TYPE_CHECKING:
    from veracity.services.projects import Project


def resolve_item(
    conn: Connection, project: Project, item_id: int, values: list[dict[str, Any]] | None = None
) -> Resolved | None:
    """(Re)compute one item's resolution from its current annotations; return it (None when
    the item has no annotations).

    Pass ``values`` when the caller already knows them all (a single annotation just stored)
    to save reading them back.
    """
    if values is None:
        values = annotations_q.current_values(conn, item_id)
    if not values:
        return None
    resolved = majority_vote(project.schema, values)
    resolutions_q.save_resolution(
        conn,
        item_id=item_id,
        project_id=project.id,
        value=resolved.value,
        confidence=resolved.confidence,
        method=resolved.method.value,
        source=resolved.source.value,
        n_annotations=len(values),
        now=utcnow(),
    )
    return resolved
