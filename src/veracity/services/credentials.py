"""Random bearer secrets (API tokens, sessions, invitations) and how they are stored."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "vrc_"  # noqa: S105 - a public prefix that makes tokens recognisable


def new_secret(prefix: str = "") -> str:
    """A fresh random secret with 256 bits of entropy."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the database keeps of a secret: its SHA-256, so a stolen table grants nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()
