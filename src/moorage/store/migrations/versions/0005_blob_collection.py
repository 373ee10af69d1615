"""Online garbage collection: when each blob was last made usable, and which are being deleted.

blobs.touched_at     set whenever a push, mount or manifest makes the blob usable
blobs.deleting_since set by the collector before it deletes the blob's bytes

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("blobs", sa.Column("touched_at", sa.Float, nullable=False, server_default="0"))
    op.add_column("blobs", sa.Column("deleting_since", sa.Float))
    op.execute("UPDATE blobs SET touched_at = created_at")
    # Whether any repository links a blob is one index lookup, not a scan of every link.
    op.create_index("ix_repository_blobs_digest", "repository_blobs", ["digest"])


def downgrade() -> None:
    op.drop_index("ix_repository_blobs_digest", "repository_blobs")
    op.drop_column("blobs", "deleting_since")
    op.drop_column("blobs", "touched_at")
