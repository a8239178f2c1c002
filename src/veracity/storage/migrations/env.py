"""Alembic environment: one migration tree for SQLite and PostgreSQL.

``render_as_batch`` lets SQLite alter tables by copying them, so the same revisions run on both.
"""

from alembic import context

from veracity.storage.tables import metadata

config = context.config


def run() -> None:
    """Run migrations on the connection that ``veracity.storage.schema`` passes in."""
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
