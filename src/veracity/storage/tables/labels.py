"""The work done on items: leases (assignments), annotations, gold and resolutions."""

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, Json, UTCDateTime

assignments = Table(
    "assignments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("stage", String(16), nullable=False),
    # leased -> submitted | skipped | expired
    Column("status", String(16), nullable=False),
    Column("leased_at", UTCDateTime, nullable=False),
    Column("lease_expires_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    # The database itself refuses a second lease of one item to one person.
    UniqueConstraint("item_id", "user_id", "stage"),
    Index(None, "project_id", "status", "lease_expires_at"),
    Index(None, "user_id", "project_id", "status"),
)

annotations = Table(
    "annotations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("assignment_id", ForeignKey("assignments.id", ondelete="SET NULL"), unique=True),
    Column("user_id", ForeignKey("users.id", ondelete="SET NULL")),
    # Who made an imported annotation elsewhere (a marketplace's worker id); NULL for work
    # done in Veracity, which has ``user_id``.
    Column("external_worker", String(255)),
    Column("stage", String(16), nullable=False),
    Column("value", Json, nullable=False),
    Column("seconds", Float),
    Column("created_at", UTCDateTime, nullable=False),
    # A fix is a new annotation pointing at the one it replaces; nothing is overwritten.
    Column("supersedes_id", ForeignKey("annotations.id", ondelete="SET NULL")),
    # Set when a reviewer rejects the annotation: it stays, but no longer counts toward the
    # item's overlap or its resolution (the review row holds who, why and when).
    Column("rejected_at", UTCDateTime),
    Index(None, "project_id", "id"),
    # One imported answer per outside worker and item, which makes re-imports idempotent.
    UniqueConstraint("item_id", "external_worker"),
)

gold = Table(
    "gold",
    metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("value", Json, nullable=False),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "project_id", "item_id"),
)

resolutions = Table(
    "resolutions",
    metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("value", Json, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("method", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("n_annotations", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(None, "project_id", "item_id"),
)
