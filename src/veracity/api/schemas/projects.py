"""Projects on the wire."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProjectIn(BaseModel):
    """A new project. ``schema`` is the label schema: ``{"fields": [...]}``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=200)
    label_schema: dict[str, Any] = Field(alias="schema")
    workflow: dict[str, Any] | None = None
    instructions: str = Field("", max_length=100_000)


class ProjectPatch(BaseModel):
    """Changes to a project; the label schema cannot change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, min_length=1, max_length=200)
    workflow: dict[str, Any] | None = None
    instructions: str | None = Field(None, max_length=100_000)


class ProjectOut(BaseModel):
    """A project."""

    model_config = ConfigDict(populate_by_name=True)

    id: int
    name: str
    instructions: str
    label_schema: dict[str, Any] = Field(alias="schema")
    workflow: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ProjectList(BaseModel):
    """The projects of the caller's organization."""

    projects: list[ProjectOut]
