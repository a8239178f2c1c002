"""truth models per project field, and background jobs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 06:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import veracity.storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
WHEN = veracity.storage.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", ID, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(length=200), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_jobs_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_jobs_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_jobs_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jobs_project_id_id"), ["project_id", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_jobs_state_id"), ["state", "id"], unique=False)

    op.create_table(
        "truth_models",
        sa.Column("id", ID, nullable=False),
        sa.Column("org_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("truth_method", sa.String(length=32), nullable=False),
        sa.Column("models", JSON, nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("annotations_seen", sa.Integer(), nullable=False),
        sa.Column("last_annotation_id", sa.BigInteger(), nullable=False),
        sa.Column("items_resolved", sa.Integer(), nullable=False),
        sa.Column("fitted_at", WHEN, nullable=False),
        sa.Column("job_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_truth_models_job_id_jobs"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
            name=op.f("fk_truth_models_org_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_truth_models_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_truth_models")),
    )
    with op.batch_alter_table("truth_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_truth_models_project_id_id"), ["project_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("truth_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_truth_models_project_id_id"))
    op.drop_table("truth_models")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_state_id"))
        batch_op.drop_index(batch_op.f("ix_jobs_project_id_id"))
    op.drop_table("jobs")
