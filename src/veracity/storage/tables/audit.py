"""The audit log: who did what to which object, when."""

from sqlalchemy import Column, ForeignKey, Index, String, Table

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, Json, UTCDateTime

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("org_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("actor_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=False),
    Column("detail", Json, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "org_id", "id"),
)
