"""Projects: create, read, change; and the checks every project-scoped use case starts with."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from veracity.domain.caller import Caller
from veracity.domain.errors import Conflict, InvalidRecord, NotFound
from veracity.domain.label_schema import LabelSchema
from veracity.domain.roles import Permission
from veracity.domain.workflow import Workflow
from veracity.services import audit
from veracity.services.resolving import TruthModels, resolve_item

if TYPE_CHECKING:
    from veracity.services.jobs import JobService
from veracity.storage.db import Database
from veracity.storage.queries import projects as q
from veracity.storage.queries import queue as queue_q
from veracity.storage.types import AnyRow, utcnow

MAX_INSTRUCTIONS = 100_000


@dataclass(frozen=True, slots=True)
class Project:
    """A project as the services see it, with its schema and workflow parsed."""

    id: int
    org_id: int
    name: str
    instructions: str
    schema: LabelSchema
    workflow: Workflow
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The project as a JSON document."""
        return {
            "id": self.id,
            "name": self.name,
            "instructions": self.instructions,
            "schema": self.schema.to_json(),
            "workflow": self.workflow.model_dump(mode="json"),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


class _SchemaCache:
    """Parsed schemas keyed by (project, last change), so hot paths skip re-validation."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._parsed: dict[tuple[int, datetime], tuple[LabelSchema, Workflow]] = {}

    def get(self, row: AnyRow) -> tuple[LabelSchema, Workflow]:
        key = (int(row.id), row.updated_at)
        hit = self._parsed.get(key)
        if hit is None:
            hit = (LabelSchema.parse(row.label_schema), Workflow.parse(row.workflow))
            if len(self._parsed) >= self._size:
                self._parsed.clear()
            self._parsed[key] = hit
        return hit


_schemas = _SchemaCache()


def to_project(row: AnyRow) -> Project:
    """A project from its table row."""
    schema, workflow = _schemas.get(row)
    return Project(
        id=int(row.id),
        org_id=int(row.org_id),
        name=row.name,
        instructions=row.instructions,
        schema=schema,
        workflow=workflow,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def require_project(conn: Connection, caller: Caller, project_id: int) -> Project:
    """The project, if it is in the caller's organization; ``NotFound`` otherwise."""
    row = q.project(conn, caller.org_id, project_id)
    if row is None:
        raise NotFound("project", project_id)
    return to_project(row)


class RecentProjects:
    """Projects read in the last few seconds, for the queue's hot paths.

    Leasing and submitting need the project's schema, workflow and organization on every
    call; rereading them each time costs a round trip per request. A project's organization
    and label schema never change, so a short-lived copy is safe for the tenancy check and
    for validation; a new workflow reaches every server process within ``ttl_seconds``
    (at once in the process that made the change).
    """

    def __init__(self, db: Database, ttl_seconds: float = 5.0) -> None:
        self.db = db
        self.ttl = ttl_seconds
        self._entries: dict[int, tuple[float, Project]] = {}

    def get(self, caller: Caller, project_id: int, conn: Connection | None = None) -> Project:
        """The project if it is in the caller's organization; ``NotFound`` otherwise.

        Pass the connection of a transaction already open: taking a second connection from
        the pool while holding one can exhaust the pool under load.
        """
        now = time.monotonic()
        hit = self._entries.get(project_id)
        if hit is None or now - hit[0] > self.ttl:
            if conn is None:
                with self.db.read() as own:
                    row = q.project_any_org(own, project_id)
            else:
                row = q.project_any_org(conn, project_id)
            if row is None:
                raise NotFound("project", project_id)
            if len(self._entries) > 10_000:
                self._entries.clear()
            hit = (now, to_project(row))
            self._entries[project_id] = hit
        if hit[1].org_id != caller.org_id:
            raise NotFound("project", project_id)
        return hit[1]

    def forget(self, project_id: int) -> None:
        """Drop the copy of a project that just changed."""
        self._entries.pop(project_id, None)


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidRecord("must be 1 to 200 characters", field="name")
    return name


def _check_instructions(instructions: str) -> str:
    if len(instructions) > MAX_INSTRUCTIONS:
        raise InvalidRecord(f"allows at most {MAX_INSTRUCTIONS} characters", field="instructions")
    return instructions


class ProjectService:
    """Use cases about projects."""

    def __init__(
        self, db: Database, recent: RecentProjects, truth: TruthModels, jobs: JobService
    ) -> None:
        self.db = db
        self.recent = recent
        self.truth = truth
        self.jobs = jobs

    def create(
        self, caller: Caller, name: str, schema: Any, workflow: Any = None, instructions: str = ""
    ) -> Project:
        """Create a project in the caller's organization."""
        caller.require(Permission.write_project)
        name = _check_name(name)
        label_schema = LabelSchema.parse(schema)
        flow = Workflow.parse(workflow)
        now = utcnow()
        try:
            with self.db.write() as conn:
                project_id = q.insert_project(
                    conn,
                    caller.org_id,
                    name,
                    _check_instructions(instructions),
                    label_schema.to_json(),
                    flow.model_dump(mode="json"),
                    caller.user_id,
                    now,
                )
                audit.record(conn, caller, "project.create", "project", project_id, name=name)
                return require_project(conn, caller, project_id)
        except IntegrityError:
            raise Conflict(f"a project called {name!r} already exists") from None

    def operator_caller(self, project_id: int) -> Caller:
        """The command-line operator, acting in the organization that owns the project."""
        with self.db.read() as conn:
            row = q.project_any_org(conn, project_id)
        if row is None:
            raise NotFound("project", project_id)
        return Caller.operator(int(row.org_id))

    def get(self, caller: Caller, project_id: int) -> Project:
        """One project of the caller's organization."""
        caller.require(Permission.read_project)
        with self.db.read() as conn:
            return require_project(conn, caller, project_id)

    def list(self, caller: Caller) -> list[Project]:
        """The projects of the caller's organization, newest first."""
        caller.require(Permission.read_project)
        with self.db.read() as conn:
            return [to_project(row) for row in q.projects_of(conn, caller.org_id)]

    def update(
        self,
        caller: Caller,
        project_id: int,
        *,
        name: str | None = None,
        instructions: str | None = None,
        workflow: Any = None,
    ) -> Project:
        """Change a project's name, instructions or workflow.

        The label schema is fixed once a project exists: annotations were validated against
        it. A new overlap applies to every item: lowering it finishes items that already have
        enough annotations, raising it reopens finished items for more.
        """
        caller.require(Permission.write_project)
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = _check_name(name)
        if instructions is not None:
            changes["instructions"] = _check_instructions(instructions)
        if workflow is not None:
            changes["workflow"] = Workflow.parse(workflow).model_dump(mode="json")
        try:
            with self.db.write() as conn:
                before = require_project(conn, caller, project_id)
                if changes:
                    changes["updated_at"] = max(utcnow(), before.updated_at)
                    q.update_project(conn, caller.org_id, project_id, **changes)
                    if "workflow" in changes:
                        after = require_project(conn, caller, project_id)
                        overlap = changes["workflow"]["overlap"]
                        for item_id in queue_q.set_quota(conn, project_id, overlap):
                            resolve_item(conn, after, item_id, truth=self.truth)
                    audit.record(
                        conn,
                        caller,
                        "project.update",
                        "project",
                        project_id,
                        changed=sorted(k for k in changes if k != "updated_at"),
                    )
                project = require_project(conn, caller, project_id)
        except IntegrityError:
            raise Conflict(f"a project called {name!r} already exists") from None
        self.recent.forget(project_id)
        if project.workflow.truth_method != before.workflow.truth_method:
            self.jobs.method_changed(project, caller.user_id)
        return project
