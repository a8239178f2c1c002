"""Storage: SQLAlchemy tables, organization-scoped queries and Alembic migrations."""
