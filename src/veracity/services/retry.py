"""Re-running a transaction that lost a race the database detected."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

# unique_violation (two leases of one item to one person raced), serialization_failure,
# deadlock_detected: PostgreSQL rolled the transaction back and it is safe to run it again.
_RETRYABLE_SQLSTATES = frozenset({"23505", "40001", "40P01"})
ATTEMPTS = 5


def _retryable(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None)
    if state in _RETRYABLE_SQLSTATES:
        return True
    # SQLite: the busy timeout ran out, or a unique index caught the same race.
    message = str(exc.orig)
    return "database is locked" in message or "UNIQUE constraint failed: assignments" in message


def retrying(run: Callable[[], T]) -> T:
    """Call ``run`` (one whole transaction) again when the database reports a lost race."""
    for attempt in range(ATTEMPTS):
        try:
            return run()
        except DBAPIError as exc:
            if attempt == ATTEMPTS - 1 or not _retryable(exc):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
