"""Path and query parameters shared by routers (bounded so no id overflows a BIGINT)."""

from typing import Annotated

from fastapi import Path

MAX_ID = 2**53

ProjectId = Annotated[int, Path(ge=1, le=MAX_ID, description="A project's id.")]
AssignmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="An assignment's id.")]
