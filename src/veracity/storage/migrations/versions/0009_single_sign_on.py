"""single sign-on identity providers

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 06:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veracity.storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, veracity.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def _org(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["org_id"],
        ["organizations.id"],
        name=op.f(f"fk_{table}_org_id_organizations"),
        ondelete="CASCADE",
    )


def _provider(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["provider_id"],
        ["sso_providers.id"],
        name=op.f(f"fk_{table}_provider_id_sso_providers"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "sso_providers",
        sa.Column("id", _ID, nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=500), nullable=False),
        sa.Column("client_secret", sa.Text(), nullable=False),
        sa.Column("groups_claim", sa.String(length=100), nullable=False),
        sa.Column("default_role", sa.String(length=16), nullable=True),
        sa.Column("allow_password", sa.Boolean(), nullable=False),
        _when("created_at", nullable=False),
        _when("updated_at", nullable=False),
        _org("sso_providers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_providers")),
        sa.UniqueConstraint("org_id", name=op.f("uq_sso_providers_org_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_sso_providers_slug")),
    )
    op.create_table(
        "sso_group_rules",
        sa.Column("id", _ID, nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("provider_id", _ID, nullable=False),
        sa.Column("group_name", sa.String(length=500), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        _org("sso_group_rules"),
        _provider("sso_group_rules"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_group_rules")),
        sa.UniqueConstraint(
            "provider_id", "group_name", name=op.f("uq_sso_group_rules_provider_id_group_name")
        ),
    )
    op.create_table(
        "sso_identities",
        sa.Column("id", _ID, nullable=False),
        sa.Column("org_id", _ID, nullable=False),
        sa.Column("provider_id", _ID, nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        _when("created_at", nullable=False),
        _when("last_login_at", nullable=False),
        _org("sso_identities"),
        _provider("sso_identities"),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_sso_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identities")),
        sa.UniqueConstraint(
            "provider_id", "subject", name=op.f("uq_sso_identities_provider_id_subject")
        ),
    )
    with op.batch_alter_table("sso_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sso_identities_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sso_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sso_identities_user_id"))
    op.drop_table("sso_identities")
    op.drop_table("sso_group_rules")
    op.drop_table("sso_providers")
