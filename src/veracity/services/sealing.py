"""Sealing small secrets with VERACITY_SECRET_KEY: encrypted and authenticated (Fernet).

Used for what must be read back later (an identity provider's client secret) and for state
that travels through the browser (an SSO sign-in in progress). Each purpose derives its own
key, so a value sealed for one purpose never opens as another.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Unsealable(Exception):
    """The value was not sealed with this key for this purpose, was altered, or is too old."""


class Seal:
    """Seals and opens values for one purpose."""

    def __init__(self, secret_key: str, purpose: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=b"veracity-seal",
            info=purpose.encode(),
        ).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, plaintext: str) -> str:
        """The encrypted, authenticated, timestamped form of ``plaintext``."""
        return self._fernet.encrypt(plaintext.encode()).decode("ascii")

    def open(self, sealed: str, max_age_seconds: int | None = None) -> str:
        """The plaintext, if ``sealed`` is ours and (when given) younger than the limit."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii"), ttl=max_age_seconds).decode()
        except (InvalidToken, UnicodeError, ValueError) as exc:
            raise Unsealable from exc
