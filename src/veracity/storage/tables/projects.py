"""Projects: a label schema, instructions and a workflow, owned by one organization."""

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, Json, UTCDateTime

projects = Table(
    "projects",
    metadata,
    Column("id", Id, primary_key=True),
    Column("org_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("instructions", Text, nullable=False, server_default=""),
    Column("label_schema", Json, nullable=False),
    Column("workflow", Json, nullable=False),
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("org_id", "name"),
)
