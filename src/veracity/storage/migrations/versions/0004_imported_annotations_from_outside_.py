"""imported annotations from outside workers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 05:41:25.008195
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_worker", sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_annotations_item_id_external_worker"), ["item_id", "external_worker"]
        )


def downgrade() -> None:
    with op.batch_alter_table("annotations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_annotations_item_id_external_worker"), type_="unique"
        )
        batch_op.drop_column("external_worker")
