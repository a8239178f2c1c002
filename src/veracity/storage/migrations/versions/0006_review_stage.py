"""review stage

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 06:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veracity.storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, veracity.storage.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", _ID, nullable=False),
        sa.Column("project_id", _ID, nullable=False),
        sa.Column("item_id", _ID, nullable=False),
        sa.Column("annotation_id", _ID, nullable=True),
        sa.Column("worker_id", _ID, nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reviewer_id", _ID, nullable=True),
        _when("leased_at"),
        _when("lease_expires_at"),
        _when("decided_at"),
        sa.Column("comment", sa.String(length=2000), nullable=True),
        sa.Column("fix_annotation_id", _ID, nullable=True),
        _when("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["annotation_id"],
            ["annotations.id"],
            name=op.f("fk_reviews_annotation_id_annotations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["fix_annotation_id"],
            ["annotations.id"],
            name=op.f("fk_reviews_fix_annotation_id_annotations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_reviews_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_reviews_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_reviews_reviewer_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["users.id"],
            name=op.f("fk_reviews_worker_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("annotation_id", name=op.f("uq_reviews_annotation_id")),
    )
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reviews_project_id_state_id"), ["project_id", "state", "id"]
        )
        batch_op.create_index(
            batch_op.f("ix_reviews_project_id_worker_id_state"),
            ["project_id", "worker_id", "state"],
        )
        batch_op.create_index(
            batch_op.f("ix_reviews_reviewer_id_project_id_state"),
            ["reviewer_id", "project_id", "state"],
        )
        batch_op.create_index(batch_op.f("ix_reviews_item_id"), ["item_id"])

    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(_when("rejected_at"))

    with op.batch_alter_table("worker_scores", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_accepted", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("review_rejected", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("worker_scores", schema=None) as batch_op:
        batch_op.drop_column("review_rejected")
        batch_op.drop_column("review_accepted")

    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_column("rejected_at")

    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reviews_item_id"))
        batch_op.drop_index(batch_op.f("ix_reviews_reviewer_id_project_id_state"))
        batch_op.drop_index(batch_op.f("ix_reviews_project_id_worker_id_state"))
        batch_op.drop_index(batch_op.f("ix_reviews_project_id_state_id"))

    op.drop_table("reviews")
