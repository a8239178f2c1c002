"""Who is calling: API tokens, web sessions, and sign-in with throttling."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection

from veracity.domain.caller import Caller
from veracity.domain.errors import NotAuthenticated, Throttled
from veracity.domain.roles import Role
from veracity.services.credentials import digest, new_secret
from veracity.services.passwords import verify_password
from veracity.settings import Settings
from veracity.storage.db import Database
from veracity.storage.queries import accounts as q
from veracity.storage.queries import single_sign_on as sso_q
from veracity.storage.types import utcnow


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: the caller and the CSRF token its forms must send back."""

    caller: Caller
    csrf_token: str


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of a sign-in attempt.

    On success ``session_token`` is set (shown once, stored hashed). On failure
    ``delay_seconds`` says how long the answer should be held back, to slow guessing.
    """

    session_token: str | None
    delay_seconds: float
    # The password was right, but every organization of the account signs in through its
    # identity provider only.
    single_sign_on_only: bool = False


class RecentCredentials:
    """Callers behind tokens and sessions seen in the last few seconds.

    Every API request authenticates; reading the token's row each time costs a round trip
    per request. A revoked token, a removed member or a changed role therefore reaches every
    server process within ``ttl_seconds`` (at once in the process that made the change).
    """

    def __init__(self, ttl_seconds: float = 5.0, size: int = 100_000) -> None:
        self.ttl = ttl_seconds
        self.size = size
        self._entries: dict[str, tuple[float, WebSession]] = {}

    def get(self, key: str) -> WebSession | None:
        """The entry for ``key`` if it is fresh."""
        hit = self._entries.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl:
            return None
        return hit[1]

    def put(self, key: str, value: WebSession) -> None:
        """Remember ``value`` for ``ttl_seconds``."""
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[key] = (time.monotonic(), value)

    def clear(self) -> None:
        """Forget everything (after a revocation or a role change in this process)."""
        self._entries.clear()


class AuthenticationService:
    """Turns credentials into a :class:`Caller`."""

    def __init__(self, db: Database, settings: Settings, recent: RecentCredentials) -> None:
        self.db = db
        self.settings = settings
        self.recent = recent

    def caller_from_token(self, token: str) -> Caller:
        """The caller behind an API token; ``NotAuthenticated`` if it is not a live token."""
        return self._lookup(digest(token), token_row=True).caller

    def cached_caller(self, token: str) -> Caller | None:
        """The caller behind an API token if it was checked moments ago; no I/O."""
        hit = self.recent.get(digest(token))
        return None if hit is None else hit.caller

    def cached_session(self, session_token: str) -> WebSession | None:
        """The session behind a cookie if it was checked moments ago; no I/O."""
        return self.recent.get("s:" + digest(session_token))

    def session(self, session_token: str) -> WebSession:
        """The caller behind a session cookie; ``NotAuthenticated`` if it is not live."""
        return self._lookup("s:" + digest(session_token), token_row=False)

    def _lookup(self, key: str, *, token_row: bool) -> WebSession:
        hit = self.recent.get(key)
        if hit is not None:
            return hit
        secret_hash = key.removeprefix("s:")
        with self.db.read() as conn:
            if token_row:
                row = q.caller_by_token(conn, secret_hash)
                csrf = ""
            else:
                row = q.caller_by_session(conn, secret_hash, utcnow())
                csrf = row.csrf_token if row is not None else ""
        if row is None:
            raise NotAuthenticated("invalid or revoked API token" if token_row else "not signed in")
        caller = Caller(int(row.user_id), int(row.org_id), Role(row.role), row.email)
        found = WebSession(caller, csrf)
        self.recent.put(key, found)
        return found

    def sign_in(self, email: str, password: str) -> SignIn:
        """Check a password and open a session in the user's first organization.

        Failures are counted per account over a window: after ``sign_in_slow_after`` each
        failure is answered more slowly, and after ``sign_in_refuse_after`` sign-in is refused
        (``Throttled``) until the window has passed, even with the right password.
        """
        email = email.strip().lower()
        now = utcnow()
        window = timedelta(minutes=self.settings.sign_in_window_minutes)
        with self.db.write() as conn:
            failed = q.failures(conn, email)
            count = 0
            window_start = now
            if failed is not None and now - failed.window_start < window:
                count, window_start = int(failed.failed), failed.window_start
            if count >= self.settings.sign_in_refuse_after:
                retry = int((window_start + window - now).total_seconds()) + 1
                raise Throttled("too many failed sign-ins; try again later", retry_after=retry)
            user = q.user_by_email(conn, email)
            ok = verify_password(user.password_hash if user else None, password)
            orgs = q.memberships_of(conn, user.id) if ok and user is not None else []
            if user is None or not ok or user.disabled or not orgs:
                count += 1
                q.set_failures(conn, email, count, window_start)
                over = count - self.settings.sign_in_slow_after
                return SignIn(None, 0.0 if over < 0 else min(0.25 * 2**over, 4.0))
            q.clear_failures(conn, email)
            # Organizations that sign people in through their identity provider only.
            refused = sso_q.password_refused_orgs(conn, [int(m.org_id) for m in orgs])
            orgs = [m for m in orgs if int(m.org_id) not in refused]
            if not orgs:
                return SignIn(None, 0.0, single_sign_on_only=True)
            token = self.open_session(conn, int(user.id), int(orgs[0].org_id))
        return SignIn(token, 0.0)

    def open_session(self, conn: Connection, user_id: int, org_id: int) -> str:
        """Start a web session for a member, inside the caller's transaction; return the
        cookie's value (shown once, stored hashed). Every way of signing in ends here."""
        now = utcnow()
        q.delete_expired_sessions(conn, now)
        token = new_secret()
        q.insert_session(
            conn,
            digest(token),
            user_id,
            org_id,
            secrets.token_urlsafe(32),
            now,
            now + timedelta(hours=self.settings.session_hours),
        )
        return token

    def sign_out(self, session_token: str) -> None:
        """End a web session."""
        with self.db.write() as conn:
            q.delete_session(conn, digest(session_token))
        self.recent.clear()
