"""Imports: a tag event may name the image where another registry serves it, and each tag
keeps the condition of its last failed import.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tag_history") as table:
        table.add_column(sa.Column("reference", sa.String(1024), nullable=True))
    op.create_table(
        "tag_conditions",
        sa.Column(
            "repository_id",
            sa.Integer,
            sa.ForeignKey("repositories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(128), primary_key=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("changed_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tag_conditions")
    with op.batch_alter_table("tag_history") as table:
        table.drop_column("reference")
