"""The review stage: submitted work (or an item's final value) waiting for a reviewer."""

from sqlalchemy import Column, ForeignKey, Index, String, Table

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, UTCDateTime

# One row per piece of work sent to review. ``state`` moves
# pending -> leased -> accepted | rejected | fixed; a lease that runs out makes the row free
# to lease again, nothing needs sweeping. Decisions are never deleted: they are the history
# that workers' review counts and feedback come from.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
    # The annotation under review (reviewed once at most); NULL for a review of the item's
    # final value (low confidence, disagreement, or asked for by other code).
    Column("annotation_id", ForeignKey("annotations.id", ondelete="CASCADE"), unique=True),
    # Who made the annotation under review, so that their feedback is one indexed read.
    Column("worker_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("reason", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("reviewer_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("leased_at", UTCDateTime),
    Column("lease_expires_at", UTCDateTime),
    Column("decided_at", UTCDateTime),
    Column("comment", String(2000)),
    # A fix is a new annotation (it supersedes the reviewed one); nothing is overwritten.
    Column("fix_annotation_id", ForeignKey("annotations.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "project_id", "state", "id"),
    Index(None, "project_id", "worker_id", "state"),
    Index(None, "reviewer_id", "project_id", "state"),
    Index(None, "item_id"),
)
