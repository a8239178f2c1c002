"""Turning pydantic's validation errors into the domain's one-field errors."""

from __future__ import annotations

from pydantic import ValidationError

from veracity.domain.errors import InvalidRecord


def first_error(exc: ValidationError) -> InvalidRecord:
    """The first problem in ``exc`` as an ``InvalidRecord`` naming its dotted field path."""
    err = exc.errors(include_url=False)[0]
    path = ".".join(str(part) for part in err["loc"])
    message = err["msg"]
    if err["type"] == "extra_forbidden":
        message = "is not a known setting"
    return InvalidRecord(message, field=path or None)
