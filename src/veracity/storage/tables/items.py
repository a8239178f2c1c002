"""Items: the units of work, with counters the queue keeps under row locks.

``state`` is derived from the counters and kept in the row so that the queue's index on
``(project_id, state, id)`` skips finished items instead of scanning past them:
``open`` (a slot is free), ``full`` (every slot leased or done), ``done`` (``n_done >= quota``).
"""

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, Json, UTCDateTime

items = Table(
    "items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(255)),
    Column("data", Json, nullable=False),
    Column("meta", Json, nullable=False),
    Column("state", String(8), nullable=False, server_default="open"),
    Column("quota", Integer, nullable=False),
    Column("n_leased", Integer, nullable=False, server_default="0"),
    Column("n_done", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("project_id", "external_id"),
    Index(None, "project_id", "state", "id"),
    # Export and every per-project walk in id order, whatever the statistics say.
    Index(None, "project_id", "id"),
)
