"""Counts behind a project's progress and quality figures."""

from typing import Any

from sqlalchemy import Connection, func, select

from veracity.storage.tables import annotations, assignments, resolutions


def annotation_counts(conn: Connection, project_id: int) -> dict[str, Any]:
    """Annotations, distinct annotators and seconds worked in the project."""
    stmt = select(
        func.count(),
        func.count(func.distinct(annotations.c.user_id)),
        func.coalesce(func.sum(annotations.c.seconds), 0.0),
    ).where(annotations.c.project_id == project_id)
    total, people, seconds = conn.execute(stmt).one()
    return {"annotations": int(total), "annotators": int(people), "seconds": float(seconds)}


def leased_count(conn: Connection, project_id: int) -> int:
    """Leases currently open in the project."""
    stmt = select(func.count()).where(
        assignments.c.project_id == project_id, assignments.c.status == "leased"
    )
    return int(conn.execute(stmt).scalar_one())


def resolution_summary(conn: Connection, project_id: int, low: float) -> dict[str, Any]:
    """Resolved items, their mean confidence, and how many fall below ``low``."""
    stmt = select(
        func.count(),
        func.avg(resolutions.c.confidence),
        func.count().filter(resolutions.c.confidence < low),
    ).where(resolutions.c.project_id == project_id)
    n, mean, below = conn.execute(stmt).one()
    return {
        "resolved": int(n),
        "mean_confidence": None if mean is None else round(float(mean), 4),
        "low_confidence": int(below or 0),
    }
