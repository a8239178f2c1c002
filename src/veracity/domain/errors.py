"""The errors the domain and the services raise; the adapters map them to 4xx answers."""

from __future__ import annotations


def count_of(n: int, noun: str) -> str:
    """``n`` with ``noun`` in the singular or the plural ("1 option", "2 options")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class DomainError(Exception):
    """Base of every expected error. ``code`` is stable and machine-readable."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthenticated(DomainError):
    """No valid credentials were given."""

    code = "not_authenticated"


class NotFound(DomainError):
    """The object does not exist, or the caller may not know that it exists."""

    code = "not_found"

    def __init__(self, kind: str, ident: object) -> None:
        super().__init__(f"{kind} {ident} not found")
        self.kind = kind


class Forbidden(DomainError):
    """The caller is known but their role does not allow this."""

    code = "forbidden"


class Conflict(DomainError):
    """The request is valid but the state of the object does not allow it now."""

    code = "conflict"


class Throttled(DomainError):
    """Too many attempts; try again later."""

    code = "throttled"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidRecord(DomainError):
    """Input that breaks a rule, naming the record (when there are several) and the field."""

    code = "invalid"

    def __init__(self, reason: str, *, field: str | None = None, record: int | None = None):
        where = []
        if record is not None:
            where.append(f"record {record}")
        if field:
            where.append(f"field '{field}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {reason}" if prefix else reason)
        self.reason = reason
        self.field = field
        self.record = record

    def in_record(self, record: int) -> InvalidRecord:
        """The same error, placed in the given record of a batch."""
        return InvalidRecord(self.reason, field=self.field, record=record)

    def under(self, prefix: str) -> InvalidRecord:
        """The same error with its field path placed under ``prefix``."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return InvalidRecord(self.reason, field=field, record=self.record)
