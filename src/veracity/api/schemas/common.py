"""Shapes shared by every resource."""

from __future__ import annotations

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    """What went wrong, and where."""

    code: str
    message: str
    field: str | None = None
    record: int | None = None


class ErrorOut(BaseModel):
    """Every 4xx answer has this shape."""

    error: ErrorDetail
