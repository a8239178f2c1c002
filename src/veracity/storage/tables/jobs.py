"""Background jobs (their user-visible record) and the truth models a refit job stores."""

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table

from veracity.storage.tables.base import metadata
from veracity.storage.types import Id, Json, UTCDateTime

# The queue (in-process or Redis) only carries a job's id; this row is what people see:
# queued -> running -> done | failed, with progress.
jobs = Table(
    "jobs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("org_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE")),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("progress_done", Integer, nullable=False),
    Column("progress_total", Integer),
    # What the job is doing now ("fitting sentiment", "resolving items").
    Column("step", String(200)),
    Column("error", String(2000)),
    Column("result", Json),
    # NULL when Veracity started the job itself (enough new annotations) or the CLI did.
    Column("created_by", ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    # Moves with every progress report: a running job that stops moving lost its worker.
    Column("heartbeat_at", UTCDateTime),
    Column("finished_at", UTCDateTime),
    Index(None, "project_id", "id"),
    Index(None, "state", "id"),
)

# One row per fit; the newest row of a project is its current model (older rows are removed
# when a newer one is stored). ``id`` is the model's version, which processes cache by.
truth_models = Table(
    "truth_models",
    metadata,
    Column("id", Id, primary_key=True),
    Column("org_id", ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    # The project's ``truth_method`` when it was fitted ("auto" or a method).
    Column("truth_method", String(32), nullable=False),
    # {field name: FittedModel.to_json()} for each categorical field with annotations.
    Column("models", Json, nullable=False),
    # {field name: {method, criterion, workers, classes}}: what the page and API show.
    Column("summary", Json, nullable=False),
    Column("annotations_seen", Integer, nullable=False),
    # The newest annotation the fit saw: annotations after it are "new since the fit".
    Column("last_annotation_id", BigInteger, nullable=False),
    Column("items_resolved", Integer, nullable=False),
    Column("fitted_at", UTCDateTime, nullable=False),
    Column("job_id", ForeignKey("jobs.id", ondelete="SET NULL")),
    Index(None, "project_id", "id"),
)
