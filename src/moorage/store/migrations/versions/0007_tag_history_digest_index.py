"""Where a repository's image came from is one index lookup by digest, not a scan of its tag
history: a pull of a digest the repository lacks asks it (pull-through), whoever may pull.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tag_history_digest", "tag_history", ["repository_id", "digest"])


def downgrade() -> None:
    op.drop_index("ix_tag_history_digest", "tag_history")
