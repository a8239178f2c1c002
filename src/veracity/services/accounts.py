"""Organizations, users, memberships, invitations and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from veracity.domain.caller import Caller
from veracity.domain.errors import Conflict, Forbidden, InvalidRecord, NotFound
from veracity.domain.roles import Permission, Role, may_grant
from veracity.services import audit
from veracity.services.authentication import RecentCredentials
from veracity.services.credentials import TOKEN_PREFIX, digest, new_secret
from veracity.services.passwords import check_strength, hash_password, verify_password
from veracity.storage.db import Database
from veracity.storage.queries import accounts as q
from veracity.storage.types import utcnow

INVITATION_DAYS = 7


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively; a very small sanity check, not RFC 5322."""
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or len(email) > 320 or any(c.isspace() for c in email):
        raise InvalidRecord("is not an email address", field="email")
    return email


def parse_role(role: str) -> Role:
    """The role named ``role``, or an error listing the roles."""
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise InvalidRecord(f"must be one of: {known}", field="role") from None


@dataclass(frozen=True, slots=True)
class Member:
    """A member of an organization."""

    user_id: int
    email: str
    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class NewInvitation:
    """An invitation; ``token`` is shown once and never stored."""

    id: int
    email: str
    role: Role
    token: str


@dataclass(frozen=True, slots=True)
class NewToken:
    """An API token; ``token`` is shown once and never stored."""

    id: int
    token: str


class AccountService:
    """Use cases about who belongs where."""

    def __init__(self, db: Database, credentials: RecentCredentials) -> None:
        self.db = db
        # Cleared whenever a membership or a token changes, so this process never answers
        # from a stale copy (others catch up within the cache's few seconds).
        self.credentials = credentials

    # -- operator (command line) ---------------------------------------------------------

    def create_org(self, name: str) -> int:
        """Create an organization (operator only); return its id."""
        name = name.strip()
        if not name or len(name) > 200:
            raise InvalidRecord("must be 1 to 200 characters", field="name")
        try:
            with self.db.write() as conn:
                return q.insert_org(conn, name, utcnow())
        except IntegrityError:
            raise Conflict(f"an organization called {name!r} already exists") from None

    def org_id(self, name: str) -> int:
        """The id of the organization called ``name``."""
        with self.db.read() as conn:
            org = q.org_by_name(conn, name)
        if org is None:
            raise NotFound("organization", repr(name))
        return int(org.id)

    def create_user(
        self, email: str, org_name: str, role: str, password: str | None, name: str = ""
    ) -> int:
        """Create a user (or find them by email) and make them a member (operator only)."""
        email = normalise_email(email)
        member_role = parse_role(role)
        if password is not None:
            check_strength(password)
        with self.db.write() as conn:
            org = q.org_by_name(conn, org_name)
            if org is None:
                raise NotFound("organization", repr(org_name))
            user_id = self._ensure_user(conn, email, name, password)
            q.upsert_membership(conn, org.id, user_id, member_role.value, utcnow())
            self.credentials.clear()
            audit.record(
                conn,
                Caller.operator(org.id),
                "membership.set",
                "user",
                user_id,
                email=email,
                role=member_role.value,
            )
            return user_id

    def set_password(self, email: str, password: str) -> None:
        """Set a user's password (operator only)."""
        check_strength(password)
        with self.db.write() as conn:
            user = q.user_by_email(conn, normalise_email(email))
            if user is None:
                raise NotFound("user", email)
            q.set_password(conn, user.id, hash_password(password))

    def create_token(self, email: str, org_name: str | None = None, name: str = "") -> NewToken:
        """A new API token for a member (operator only). ``org_name`` is needed only when
        the user belongs to several organizations."""
        with self.db.write() as conn:
            user = q.user_by_email(conn, normalise_email(email))
            if user is None:
                raise NotFound("user", email)
            orgs = q.memberships_of(conn, user.id)
            if org_name is not None:
                orgs = [m for m in orgs if m.org_name == org_name]
            if not orgs:
                raise NotFound(
                    "membership", f"of {email}" + (f" in {org_name}" if org_name else "")
                )
            if len(orgs) > 1:
                names = ", ".join(m.org_name for m in orgs)
                raise InvalidRecord(
                    f"the user belongs to several organizations ({names})", field="org"
                )
            return self._issue_token(conn, Caller.operator(orgs[0].org_id), user.id, name)

    # -- members of an organization -------------------------------------------------------

    def members(self, caller: Caller) -> list[Member]:
        """The caller's organization's members."""
        caller.require(Permission.manage_members)
        with self.db.read() as conn:
            rows = q.members(conn, caller.org_id)
        return [Member(r.id, r.email, r.name, Role(r.role)) for r in rows]

    def invite(self, caller: Caller, email: str, role: str) -> NewInvitation:
        """Invite someone by email into the caller's organization. Nobody joins without one."""
        caller.require(Permission.manage_members)
        email = normalise_email(email)
        member_role = parse_role(role)
        if not may_grant(caller.role, member_role):
            raise Forbidden(f"the {caller.role} role may not invite someone as {member_role}")
        token = new_secret()
        now = utcnow()
        with self.db.write() as conn:
            invitation_id = q.insert_invitation(
                conn,
                caller.org_id,
                email,
                member_role.value,
                digest(token),
                caller.user_id,
                now,
                now + timedelta(days=INVITATION_DAYS),
            )
            audit.record(
                conn,
                caller,
                "invitation.create",
                "invitation",
                invitation_id,
                email=email,
                role=member_role.value,
            )
        return NewInvitation(invitation_id, email, member_role, token)

    def invitation(self, token: str) -> tuple[str, str]:
        """The email and organization name of an open invitation."""
        with self.db.read() as conn:
            row = q.open_invitation(conn, digest(token), utcnow())
        if row is None:
            raise NotFound("invitation", "(this link is used, expired or wrong)")
        return row.email, row.org_name

    def accept_invitation(self, token: str, password: str, name: str = "") -> int:
        """Join the inviting organization, creating the account or proving it is the caller's."""
        check_strength(password)
        now = utcnow()
        with self.db.write() as conn:
            row = q.open_invitation(conn, digest(token), now)
            if row is None:
                raise NotFound("invitation", "(this link is used, expired or wrong)")
            user = q.user_by_email(conn, row.email)
            if user is None:
                user_id = q.insert_user(
                    conn, row.email, name.strip()[:200], hash_password(password), now
                )
            else:
                # Whoever holds the link is not proven to own an existing account: they join
                # with that account's password, never by setting a new one (which would let
                # any organization's owner take over another organization's member).
                if not verify_password(user.password_hash, password):
                    raise InvalidRecord(
                        "this email already has an account: enter its password to join",
                        field="password",
                    )
                user_id = int(user.id)
            q.upsert_membership(conn, row.org_id, user_id, row.role, now)
            q.mark_invitation_accepted(conn, row.id, now)
            caller = Caller(user_id, row.org_id, Role(row.role), row.email)
            audit.record(conn, caller, "invitation.accept", "invitation", row.id)
            return user_id

    def create_own_token(self, caller: Caller, name: str = "") -> NewToken:
        """A new API token for the caller, in the caller's organization."""
        user_id = caller.worker_id()
        with self.db.write() as conn:
            return self._issue_token(conn, caller, user_id, name)

    def revoke_own_token(self, caller: Caller, token_id: int) -> None:
        """Revoke one of the caller's tokens."""
        user_id = caller.worker_id()
        with self.db.write() as conn:
            if not q.revoke_token(conn, caller.org_id, user_id, token_id, utcnow()):
                raise NotFound("token", token_id)
            self.credentials.clear()
            audit.record(conn, caller, "token.revoke", "token", token_id)

    # -- helpers ---------------------------------------------------------------------------

    def _ensure_user(self, conn: Connection, email: str, name: str, password: str | None) -> int:
        user = q.user_by_email(conn, email)
        password_hash = hash_password(password) if password is not None else None
        if user is None:
            return q.insert_user(conn, email, name, password_hash, utcnow())
        if password_hash is not None:
            q.set_password(conn, user.id, password_hash)
        return int(user.id)

    def _issue_token(self, conn: Connection, caller: Caller, user_id: int, name: str) -> NewToken:
        token = new_secret(TOKEN_PREFIX)
        token_id = q.insert_token(
            conn,
            caller.org_id,
            user_id,
            name[:200],
            digest(token),
            token[: len(TOKEN_PREFIX) + 4],
            utcnow(),
        )
        audit.record(conn, caller, "token.create", "token", token_id, user_id=user_id)
        return NewToken(token_id, token)
