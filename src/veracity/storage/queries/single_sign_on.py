"""Identity providers, their group rules and linked identities, scoped by organization."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from veracity.storage.tables import sso_group_rules, sso_identities, sso_providers, users
from veracity.storage.types import AnyRow


def provider_of_org(conn: Connection, org_id: int) -> AnyRow | None:
    """The organization's identity provider."""
    return conn.execute(select(sso_providers).where(sso_providers.c.org_id == org_id)).first()


def provider_by_slug(conn: Connection, slug: str) -> AnyRow | None:
    """The identity provider that signs people in at ``/sso/<slug>/...``."""
    return conn.execute(select(sso_providers).where(sso_providers.c.slug == slug)).first()


def slug_taken(conn: Connection, slug: str, org_id: int) -> bool:
    """Whether another organization already signs in under ``slug``."""
    stmt = select(sso_providers.c.id).where(
        sso_providers.c.slug == slug, sso_providers.c.org_id != org_id
    )
    return conn.execute(stmt).first() is not None


def insert_provider(conn: Connection, org_id: int, values: dict[str, Any], now: datetime) -> int:
    """Store the organization's identity provider; return its id."""
    stmt = insert(sso_providers).values(org_id=org_id, created_at=now, updated_at=now, **values)
    return int(conn.execute(stmt.returning(sso_providers.c.id)).scalar_one())


def update_provider(
    conn: Connection, org_id: int, provider_id: int, values: dict[str, Any], now: datetime
) -> None:
    """Change the organization's identity provider."""
    conn.execute(
        update(sso_providers)
        .where(sso_providers.c.id == provider_id, sso_providers.c.org_id == org_id)
        .values(updated_at=now, **values)
    )


def delete_provider(conn: Connection, org_id: int) -> bool:
    """Remove the organization's identity provider (its rules and identities go with it)."""
    result = conn.execute(delete(sso_providers).where(sso_providers.c.org_id == org_id))
    return result.rowcount == 1


def rules(conn: Connection, org_id: int, provider_id: int) -> list[AnyRow]:
    """The provider's group rules, in the order they were given."""
    stmt = (
        select(sso_group_rules.c.group_name, sso_group_rules.c.role)
        .where(sso_group_rules.c.org_id == org_id, sso_group_rules.c.provider_id == provider_id)
        .order_by(sso_group_rules.c.id)
    )
    return list(conn.execute(stmt))


def replace_rules(
    conn: Connection, org_id: int, provider_id: int, pairs: list[tuple[str, str]]
) -> None:
    """Make the provider's group rules exactly ``pairs`` (group, role)."""
    conn.execute(
        delete(sso_group_rules).where(
            sso_group_rules.c.org_id == org_id, sso_group_rules.c.provider_id == provider_id
        )
    )
    if pairs:
        conn.execute(
            insert(sso_group_rules),
            [
                {"org_id": org_id, "provider_id": provider_id, "group_name": g, "role": r}
                for g, r in pairs
            ],
        )


def forget_identities(conn: Connection, org_id: int, provider_id: int) -> None:
    """Unlink everyone from the provider (its issuer changed: subjects mean other people)."""
    conn.execute(
        delete(sso_identities).where(
            sso_identities.c.org_id == org_id, sso_identities.c.provider_id == provider_id
        )
    )


def identity(conn: Connection, org_id: int, provider_id: int, subject: str) -> AnyRow | None:
    """The link of ``subject`` at the provider to a user."""
    stmt = select(sso_identities).where(
        sso_identities.c.org_id == org_id,
        sso_identities.c.provider_id == provider_id,
        sso_identities.c.subject == subject,
    )
    return conn.execute(stmt).first()


def insert_identity(
    conn: Connection, org_id: int, provider_id: int, subject: str, user_id: int, now: datetime
) -> None:
    """Link ``subject`` at the provider to a user."""
    conn.execute(
        insert(sso_identities).values(
            org_id=org_id,
            provider_id=provider_id,
            subject=subject,
            user_id=user_id,
            created_at=now,
            last_login_at=now,
        )
    )


def touch_identity(conn: Connection, identity_id: int, now: datetime) -> None:
    """Note a sign-in through the link."""
    conn.execute(
        update(sso_identities).where(sso_identities.c.id == identity_id).values(last_login_at=now)
    )


def password_refused_orgs(conn: Connection, org_ids: list[int]) -> set[int]:
    """Those of ``org_ids`` whose provider turned password sign-in off."""
    if not org_ids:
        return set()
    stmt = select(sso_providers.c.org_id).where(
        sso_providers.c.org_id.in_(org_ids), sso_providers.c.allow_password.is_(False)
    )
    return {int(org_id) for org_id in conn.execute(stmt).scalars()}


def user_by_id(conn: Connection, user_id: int) -> AnyRow | None:
    """A user row (the identity links point at users, whichever organizations they are in)."""
    return conn.execute(select(users).where(users.c.id == user_id)).first()
