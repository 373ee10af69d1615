"""Persistence of registry metadata (and, later, API resources): SQLAlchemy 2 + Alembic."""
