"""API resources and their change log (resourceVersion, watch).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _name(length: int) -> sa.types.TypeEngine[str]:
    # Bytewise order on PostgreSQL as on SQLite (SQLite's DDL is unchanged).
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("api_group", sa.String(128), nullable=False),
        sa.Column("plural", sa.String(128), nullable=False),
        sa.Column("namespace", _name(253), nullable=False),
        sa.Column("name", _name(253), nullable=False),
        sa.Column("resource_version", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("api_group", "plural", "namespace", "name", name="uq_resources_key"),
    )
    op.create_table(
        "resource_events",
        sa.Column(
            "resource_version",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("api_group", sa.String(128), nullable=False),
        sa.Column("plural", sa.String(128), nullable=False),
        sa.Column("namespace", sa.String(253), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_resource_events_kind", "resource_events", ["api_group", "plural", "resource_version"]
    )


def downgrade() -> None:
    op.drop_table("resource_events")
    op.drop_table("resources")
