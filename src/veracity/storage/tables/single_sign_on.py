"""Single sign-on: an organization's identity provider, its group rules, and the people
it has signed in (their subject at the provider)."""

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, Text, UniqueConstraint

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, UTCDateTime

# One OpenID Connect provider per organization. ``client_secret`` is encrypted with a key
# derived from VERACITY_SECRET_KEY (never stored or returned in the clear).
sso_providers = Table(
    "sso_providers",
    metadata,
    Column("id", Id, primary_key=True),
    Column(
        "org_id",
        ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("slug", String(64), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("issuer", String(500), nullable=False),
    Column("client_id", String(500), nullable=False),
    Column("client_secret", Text, nullable=False),
    Column("groups_claim", String(100), nullable=False),
    # The role of people in no mapped group; NULL refuses them ("deny").
    Column("default_role", String(16)),
    Column("allow_password", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# group -> role, one row per group, so that a team can be added to a rule later.
sso_group_rules = Table(
    "sso_group_rules",
    metadata,
    Column("id", Id, primary_key=True),
    Column("org_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "provider_id",
        ForeignKey("sso_providers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("group_name", String(500), nullable=False),
    Column("role", String(16), nullable=False),
    UniqueConstraint("provider_id", "group_name"),
)

# Who someone is at the provider (the ID token's ``sub``), linked to a Veracity user.
sso_identities = Table(
    "sso_identities",
    metadata,
    Column("id", Id, primary_key=True),
    Column("org_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column(
        "provider_id",
        ForeignKey("sso_providers.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("subject", String(255), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime, nullable=False),
    UniqueConstraint("provider_id", "subject"),
)
