"""The metadata schema. Alembic migrations in `migrations/` create exactly this.

repositories        one row per repository name
blobs               content committed to the blob store (digest, size), when it was last
                    made usable (touched_at) and whether the collector is deleting it
repository_blobs    which blobs a repository may serve (pushed or mounted there); created_at
                    is when the link was made or last refreshed
manifests           manifests linked in a repository, with what the referrers API needs
manifest_references blobs and child manifests each manifest references (for GC and deletes)
tags                tag -> manifest digest, per repository
tag_history         every digest each tag has pointed at (with the other registry's reference
                    for an imported image)
tag_conditions      why a tag's last import failed (ImportSuccess False), until one succeeds
deleted_tags        what each deleted tag last served and when it went: restorable, and kept
                    from the pruner, for a window (ADR 0012)

Names that are listed in order (repositories, tags, API objects) compare
bytewise on PostgreSQL too (collation "C"), as on SQLite, whatever the
database's locale: the distribution spec's lexical order and the API's
continue tokens depend on it.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ColumnElement,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

metadata = MetaData()


def _name(length: int) -> TypeEngine[str]:
    """A name column ordered bytewise on every backend."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


repositories = Table(
    "repositories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", _name(255), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
)


def in_project(project: str) -> ColumnElement[bool]:
    """Repositories named `<project>/...`."""
    # Names sort by bytes (collation "C"): '/' + 1 is '0', so this is exactly the prefix.
    return (repositories.c.name >= f"{project}/") & (repositories.c.name < f"{project}0")


blobs = Table(
    "blobs",
    metadata,
    Column("digest", String(200), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("touched_at", Float, nullable=False, server_default="0"),
    Column("deleting_since", Float),
)

repository_blobs = Table(
    "repository_blobs",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("digest", ForeignKey("blobs.digest"), primary_key=True),
    Column("created_at", Float, nullable=False),
    Index("ix_repository_blobs_digest", "digest"),
)

manifests = Table(
    "manifests",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("digest", String(200), primary_key=True),
    Column("media_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("artifact_type", String(255)),
    Column("subject_digest", String(200)),
    Column("annotations", JSON),
    Column("created_at", Float, nullable=False),
    Index("ix_manifests_subject", "repository_id", "subject_digest"),
)

manifest_references = Table(
    "manifest_references",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("manifest_digest", String(200), primary_key=True),
    Column("reference_digest", String(200), primary_key=True),
    Index("ix_manifest_references_target", "repository_id", "reference_digest"),
)

tags = Table(
    "tags",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("name", _name(128), primary_key=True),
    Column("digest", String(200), nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_tags_digest", "repository_id", "digest"),
)

resources = Table(
    "resources",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("api_group", String(128), nullable=False),
    Column("plural", String(128), nullable=False),
    Column("namespace", _name(253), nullable=False),  # "" for cluster-scoped kinds
    Column("name", _name(253), nullable=False),
    Column("resource_version", BigInteger, nullable=False),
    Column("body", Text, nullable=False),
    UniqueConstraint("api_group", "plural", "namespace", "name", name="uq_resources_key"),
)

resource_events = Table(
    "resource_events",
    metadata,
    Column(
        "resource_version",
        BigInteger().with_variant(Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("api_group", String(128), nullable=False),
    Column("plural", String(128), nullable=False),
    Column("namespace", String(253), nullable=False),
    Column("type", String(16), nullable=False),  # ADDED | MODIFIED | DELETED
    Column("body", Text, nullable=False),
    Index("ix_resource_events_kind", "api_group", "plural", "resource_version"),
    Index("ix_resource_events_group", "api_group", "resource_version"),
)

tag_history = Table(
    "tag_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), nullable=False),
    Column("tag", String(128), nullable=False),
    Column("digest", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("generation", BigInteger, nullable=False),
    Column("reference", String(1024)),  # where another registry serves it; None: here
    Index("ix_tag_history_tag", "repository_id", "tag", "id"),
    Index("ix_tag_history_digest", "repository_id", "digest"),
)

tag_conditions = Table(
    "tag_conditions",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(128), primary_key=True),
    Column("reason", String(64), nullable=False),
    Column("message", Text, nullable=False),
    Column("generation", BigInteger, nullable=False),
    Column("changed_at", Float, nullable=False),
)

deleted_tags = Table(
    "deleted_tags",
    metadata,
    Column("repository_id", ForeignKey("repositories.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(128), primary_key=True),
    Column("digest", String(200), nullable=False),
    Column("deleted_at", Float, nullable=False),
    Index("ix_deleted_tags_digest", "digest"),
)
