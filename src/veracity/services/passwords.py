"""Password hashing with argon2id."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from veracity.domain.errors import InvalidRecord

MIN_PASSWORD = 10
MAX_PASSWORD = 1024

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that timing does not reveal who has an
    account. Made on first use, not at import: an argon2 hash costs a noticeable fraction of a
    second, which every CLI command would otherwise pay at start-up."""
    return _hasher.hash("veracity-no-such-user")


def check_strength(password: str) -> None:
    """Refuse passwords that are too short or absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise InvalidRecord(f"needs at least {MIN_PASSWORD} characters", field="password")
    if len(password) > MAX_PASSWORD:
        raise InvalidRecord(f"allows at most {MAX_PASSWORD} characters", field="password")


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; spends the same time when there is no hash."""
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
