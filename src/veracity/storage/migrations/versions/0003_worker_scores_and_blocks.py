"""worker scores and blocks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 05:31:13.890276
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veracity.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_blocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", veracity.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", veracity.storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["lifted_by"],
            ["users.id"],
            name=op.f("fk_worker_blocks_lifted_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_worker_blocks_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_worker_blocks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_blocks")),
    )
    with op.batch_alter_table("worker_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_worker_blocks_project_id_user_id_lifted_at"),
            ["project_id", "user_id", "lifted_at"],
            unique=False,
        )

    op.create_table(
        "worker_scores",
        sa.Column(
            "project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("gold_seen", sa.Integer(), nullable=False),
        sa.Column("gold_correct", sa.Integer(), nullable=False),
        sa.Column("window_seen", sa.Integer(), nullable=False),
        sa.Column("window_correct", sa.Integer(), nullable=False),
        sa.Column("updated_at", veracity.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_worker_scores_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_worker_scores_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "user_id", name=op.f("pk_worker_scores")),
    )


def downgrade() -> None:
    op.drop_table("worker_scores")
    with op.batch_alter_table("worker_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_worker_blocks_project_id_user_id_lifted_at"))

    op.drop_table("worker_blocks")
