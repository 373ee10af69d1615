"""Registry metadata: repositories, blobs, links, manifests, references, tags.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _name(length: int) -> sa.types.TypeEngine[str]:
    # Bytewise order on PostgreSQL as on SQLite (SQLite's DDL is unchanged).
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def _repository_fk() -> sa.Column:
    return sa.Column(
        "repository_id",
        sa.Integer,
        sa.ForeignKey("repositories.id", ondelete="CASCADE"),
        primary_key=True,
    )


def upgrade() -> None:
    op.create_table(
        "repositories",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", _name(255), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "blobs",
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "repository_blobs",
        _repository_fk(),
        sa.Column("digest", sa.String(200), sa.ForeignKey("blobs.digest"), primary_key=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "manifests",
        _repository_fk(),
        sa.Column("digest", sa.String(200), primary_key=True),
        sa.Column("media_type", sa.String(255), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("artifact_type", sa.String(255)),
        sa.Column("subject_digest", sa.String(200)),
        sa.Column("annotations", sa.JSON),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_index("ix_manifests_subject", "manifests", ["repository_id", "subject_digest"])
    op.create_table(
        "manifest_references",
        _repository_fk(),
        sa.Column("manifest_digest", sa.String(200), primary_key=True),
        sa.Column("reference_digest", sa.String(200), primary_key=True),
    )
    op.create_index(
        "ix_manifest_references_target",
        "manifest_references",
        ["repository_id", "reference_digest"],
    )
    op.create_table(
        "tags",
        _repository_fk(),
        sa.Column("name", _name(128), primary_key=True),
        sa.Column("digest", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_tags_digest", "tags", ["repository_id", "digest"])


def downgrade() -> None:
    for table in ("tags", "manifest_references", "manifests", "repository_blobs"):
        op.drop_table(table)
    op.drop_table("blobs")
    op.drop_table("repositories")
