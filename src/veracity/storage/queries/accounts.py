"""Organizations, users, memberships, tokens, sessions and sign-in throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, String, and_, bindparam, delete, func, insert, select, update

from veracity.storage.queries.upsert import insert_or_update
from veracity.storage.tables import (
    api_tokens,
    invitations,
    memberships,
    organizations,
    sign_in_failures,
    users,
    web_sessions,
)
from veracity.storage.types import AnyRow


def insert_org(conn: Connection, name: str, now: datetime) -> int:
    """Create an organization; return its id."""
    return int(
        conn.execute(
            insert(organizations).values(name=name, created_at=now).returning(organizations.c.id)
        ).scalar_one()
    )


def org_by_name(conn: Connection, name: str) -> AnyRow | None:
    """The organization called ``name``."""
    return conn.execute(select(organizations).where(organizations.c.name == name)).first()


def user_by_email(conn: Connection, email: str) -> AnyRow | None:
    """The user with this (lower-cased) email."""
    return conn.execute(select(users).where(users.c.email == email)).first()


def insert_user(
    conn: Connection, email: str, name: str, password_hash: str | None, now: datetime
) -> int:
    """Create a user; return their id."""
    stmt = insert(users).values(email=email, name=name, password_hash=password_hash, created_at=now)
    return int(conn.execute(stmt.returning(users.c.id)).scalar_one())


def set_password(conn: Connection, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash."""
    conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))


def membership(conn: Connection, org_id: int, user_id: int) -> AnyRow | None:
    """The user's membership in the organization."""
    return conn.execute(
        select(memberships).where(memberships.c.org_id == org_id, memberships.c.user_id == user_id)
    ).first()


def memberships_of(conn: Connection, user_id: int) -> list[AnyRow]:
    """Every organization the user belongs to, with the role, oldest first."""
    stmt = (
        select(memberships.c.org_id, memberships.c.role, organizations.c.name.label("org_name"))
        .join(organizations, organizations.c.id == memberships.c.org_id)
        .where(memberships.c.user_id == user_id)
        .order_by(memberships.c.id)
    )
    return list(conn.execute(stmt))


def upsert_membership(
    conn: Connection, org_id: int, user_id: int, role: str, now: datetime
) -> None:
    """Add the user to the organization with ``role``, or change their role."""
    if membership(conn, org_id, user_id) is None:
        conn.execute(
            insert(memberships).values(org_id=org_id, user_id=user_id, role=role, created_at=now)
        )
    else:
        conn.execute(
            update(memberships)
            .where(memberships.c.org_id == org_id, memberships.c.user_id == user_id)
            .values(role=role)
        )


def members(conn: Connection, org_id: int) -> list[AnyRow]:
    """The organization's members with their roles, by email."""
    stmt = (
        select(users.c.id, users.c.email, users.c.name, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.org_id == org_id)
        .order_by(users.c.email)
    )
    return list(conn.execute(stmt))


def insert_token(
    conn: Connection,
    org_id: int,
    user_id: int,
    name: str,
    token_hash: str,
    prefix: str,
    now: datetime,
) -> int:
    """Store a token's hash; return the token's id."""
    stmt = insert(api_tokens).values(
        org_id=org_id,
        user_id=user_id,
        name=name,
        token_hash=token_hash,
        prefix=prefix,
        created_at=now,
    )
    return int(conn.execute(stmt.returning(api_tokens.c.id)).scalar_one())


_CALLER_COLUMNS = (users.c.id.label("user_id"), users.c.email, memberships.c.role)


_CALLER_BY_TOKEN = (
    select(*_CALLER_COLUMNS, api_tokens.c.org_id)
    .select_from(api_tokens)
    .join(users, users.c.id == api_tokens.c.user_id)
    .join(
        memberships,
        and_(
            memberships.c.user_id == api_tokens.c.user_id,
            memberships.c.org_id == api_tokens.c.org_id,
        ),
    )
    .where(
        api_tokens.c.token_hash == bindparam("token_hash", type_=String),
        api_tokens.c.revoked_at.is_(None),
        users.c.disabled.is_(False),
    )
)


def caller_by_token(conn: Connection, token_hash: str) -> AnyRow | None:
    """The user, organization and role behind a live token of a current member."""
    return conn.execute(_CALLER_BY_TOKEN, {"token_hash": token_hash}).first()


def revoke_token(conn: Connection, org_id: int, user_id: int, token_id: int, now: datetime) -> bool:
    """Revoke one of the user's tokens; False if there is no such live token."""
    result = conn.execute(
        update(api_tokens)
        .where(
            api_tokens.c.id == token_id,
            api_tokens.c.org_id == org_id,
            api_tokens.c.user_id == user_id,
            api_tokens.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return result.rowcount == 1


def insert_session(
    conn: Connection,
    token_hash: str,
    user_id: int,
    org_id: int,
    csrf: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Store a web session."""
    conn.execute(
        insert(web_sessions).values(
            token_hash=token_hash,
            user_id=user_id,
            org_id=org_id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires_at,
        )
    )


def caller_by_session(conn: Connection, token_hash: str, now: datetime) -> AnyRow | None:
    """The user, organization, role and CSRF token behind a live web session."""
    stmt = (
        select(*_CALLER_COLUMNS, web_sessions.c.org_id, web_sessions.c.csrf_token)
        .select_from(web_sessions)
        .join(users, users.c.id == web_sessions.c.user_id)
        .join(
            memberships,
            and_(
                memberships.c.user_id == web_sessions.c.user_id,
                memberships.c.org_id == web_sessions.c.org_id,
            ),
        )
        .where(
            web_sessions.c.token_hash == token_hash,
            web_sessions.c.expires_at > now,
            users.c.disabled.is_(False),
        )
    )
    return conn.execute(stmt).first()


def delete_session(conn: Connection, token_hash: str) -> None:
    """End a web session."""
    conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash))


def delete_expired_sessions(conn: Connection, now: datetime) -> None:
    """Forget sessions that have expired."""
    conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= now))


def failures(conn: Connection, email: str) -> AnyRow | None:
    """The failed sign-in counter for an email."""
    return conn.execute(select(sign_in_failures).where(sign_in_failures.c.email == email)).first()


def set_failures(conn: Connection, email: str, failed: int, window_start: datetime) -> None:
    """Write the failed sign-in counter for an email."""
    insert_or_update(
        conn,
        sign_in_failures,
        {"email": email, "failed": failed, "window_start": window_start},
        key=["email"],
    )


def clear_failures(conn: Connection, email: str) -> None:
    """Forget failed sign-ins after a successful one."""
    conn.execute(delete(sign_in_failures).where(sign_in_failures.c.email == email))


def insert_invitation(
    conn: Connection,
    org_id: int,
    email: str,
    role: str,
    token_hash: str,
    created_by: int | None,
    now: datetime,
    expires_at: datetime,
) -> int:
    """Store an invitation; return its id."""
    stmt = insert(invitations).values(
        org_id=org_id,
        email=email,
        role=role,
        token_hash=token_hash,
        created_by=created_by,
        created_at=now,
        expires_at=expires_at,
    )
    return int(conn.execute(stmt.returning(invitations.c.id)).scalar_one())


def open_invitation(conn: Connection, token_hash: str, now: datetime) -> AnyRow | None:
    """An invitation that is neither used nor expired, with its organization's name."""
    stmt = (
        select(invitations, organizations.c.name.label("org_name"))
        .join(organizations, organizations.c.id == invitations.c.org_id)
        .where(
            invitations.c.token_hash == token_hash,
            invitations.c.accepted_at.is_(None),
            invitations.c.expires_at > now,
        )
        .with_for_update()
    )
    return conn.execute(stmt).first()


def mark_invitation_accepted(conn: Connection, invitation_id: int, now: datetime) -> None:
    """Use up an invitation."""
    conn.execute(
        update(invitations).where(invitations.c.id == invitation_id).values(accepted_at=now)
    )


def count_users(conn: Connection) -> int:
    """How many users exist (all organizations)."""
    return int(conn.execute(select(func.count()).select_from(users)).scalar_one())
