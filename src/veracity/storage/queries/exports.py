"""Reading a project's items in batches, with their annotations and resolutions."""

from sqlalchemy import Connection, select

from veracity.storage.tables import annotations, items, resolutions, users
from veracity.storage.types import AnyRow


def item_batch(conn: Connection, project_id: int, after_id: int, limit: int) -> list[AnyRow]:
    """Up to ``limit`` items of the project with id above ``after_id``, in id order."""
    stmt = (
        select(items.c.id, items.c.external_id, items.c.data, items.c.meta)
        .where(items.c.project_id == project_id, items.c.id > after_id)
        .order_by(items.c.id)
        .limit(limit)
    )
    return list(conn.execute(stmt))


def annotations_of(conn: Connection, project_id: int, first_id: int, last_id: int) -> list[AnyRow]:
    """Every annotation of the project's items with ids in ``first_id..last_id``, with its
    author's email, in id order (a range: an ``IN`` list of a thousand ids would be parsed
    anew for every batch)."""
    stmt = (
        select(
            annotations.c.id,
            annotations.c.item_id,
            annotations.c.user_id,
            users.c.email,
            annotations.c.stage,
            annotations.c.value,
            annotations.c.seconds,
            annotations.c.created_at,
            annotations.c.supersedes_id,
        )
        .outerjoin(users, users.c.id == annotations.c.user_id)
        .where(
            annotations.c.project_id == project_id,
            annotations.c.item_id.between(first_id, last_id),
        )
        .order_by(annotations.c.id)
    )
    return list(conn.execute(stmt))


def resolutions_of(conn: Connection, project_id: int, first_id: int, last_id: int) -> list[AnyRow]:
    """The resolutions of the project's items with ids in ``first_id..last_id``."""
    stmt = select(resolutions).where(
        resolutions.c.project_id == project_id,
        resolutions.c.item_id.between(first_id, last_id),
    )
    return list(conn.execute(stmt))
