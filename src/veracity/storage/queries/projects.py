"""Projects, always looked up inside one organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from veracity.storage.tables import projects
from veracity.storage.types import AnyRow


def insert_project(
    conn: Connection,
    org_id: int,
    name: str,
    instructions: str,
    label_schema: dict[str, Any],
    workflow: dict[str, Any],
    created_by: int | None,
    now: datetime,
) -> int:
    """Create a project; return its id."""
    stmt = insert(projects).values(
        org_id=org_id,
        name=name,
        instructions=instructions,
        label_schema=label_schema,
        workflow=workflow,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    return int(conn.execute(stmt.returning(projects.c.id)).scalar_one())


def project(conn: Connection, org_id: int, project_id: int) -> AnyRow | None:
    """The project if it belongs to ``org_id``; None otherwise (never another org's)."""
    stmt = select(projects).where(projects.c.id == project_id, projects.c.org_id == org_id)
    return conn.execute(stmt).first()


def project_by_name(conn: Connection, org_id: int, name: str) -> AnyRow | None:
    """The organization's project called ``name``."""
    stmt = select(projects).where(projects.c.org_id == org_id, projects.c.name == name)
    return conn.execute(stmt).first()


def project_any_org(conn: Connection, project_id: int) -> AnyRow | None:
    """A project by id alone: for the operator's CLI, which acts for every organization."""
    return conn.execute(select(projects).where(projects.c.id == project_id)).first()


def projects_of(conn: Connection, org_id: int) -> list[AnyRow]:
    """The organization's projects, newest first."""
    stmt = select(projects).where(projects.c.org_id == org_id).order_by(projects.c.id.desc())
    return list(conn.execute(stmt))


def update_project(conn: Connection, org_id: int, project_id: int, **values: Any) -> None:
    """Change a project's columns."""
    conn.execute(
        update(projects)
        .where(projects.c.id == project_id, projects.c.org_id == org_id)
        .values(**values)
    )
