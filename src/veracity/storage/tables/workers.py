"""What is known of each worker in a project: gold and review scores, and blocks from its work."""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, UTCDateTime

# Running counts, kept up to date as gold answers arrive. ``window_*`` count since the last
# time a manager lifted a block, so a lifted worker is judged on new answers only.
worker_scores = Table(
    "worker_scores",
    metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("gold_seen", Integer, nullable=False),
    Column("gold_correct", Integer, nullable=False),
    Column("window_seen", Integer, nullable=False),
    Column("window_correct", Integer, nullable=False),
    # Reviewers' decisions on the worker's annotations (a fix that changes the value counts
    # as rejected).
    Column("review_accepted", Integer, nullable=False, server_default="0"),
    Column("review_rejected", Integer, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime, nullable=False),
)

worker_blocks = Table(
    "worker_blocks",
    metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("lifted_at", UTCDateTime),
    Column("lifted_by", ForeignKey("users.id", ondelete="SET NULL")),
    Index(None, "project_id", "user_id", "lifted_at"),
)
