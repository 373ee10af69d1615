"""Deleted tags: what each deleted tag served, restorable for a window (ADR 0012).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deleted_tags",
        sa.Column(
            "repository_id",
            sa.Integer,
            sa.ForeignKey("repositories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(128), primary_key=True),
        sa.Column("digest", sa.String(200), nullable=False),
        sa.Column("deleted_at", sa.Float, nullable=False),
    )
    op.create_index("ix_deleted_tags_digest", "deleted_tags", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_deleted_tags_digest", "deleted_tags")
    op.drop_table("deleted_tags")
