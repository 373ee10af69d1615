"""Deleted tags, inside a caller's transaction: what each served when it went, restorable
(and kept from the pruner) while younger than the window (ADR 0012).

A tag deleted by a registry DELETE, through the API, or with its image stream is
remembered; one set again is forgotten. Deleting an image by digest deletes it with its
tags for good, and a project going takes its repositories' rows along (cascade).
"""

import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from moorage.store.schema import deleted_tags, in_project, manifests, repositories, tags
from moorage.store.sql import dialect_insert

DEFAULT_WINDOW = 14 * 24 * 3600.0


@dataclass(frozen=True, slots=True)
class DeletedTag:
    repository: str
    tag: str
    digest: str
    deleted_at: float


def remember(conn: Connection, repo_id: int, names: list[str] | None) -> None:
    """Note what the tags `names` (all when None) serve, before they are deleted."""
    query = select(tags.c.name, tags.c.digest).where(tags.c.repository_id == repo_id)
    if names is not None:
        query = query.where(tags.c.name.in_(names))
    now = time.time()
    for tag, digest in conn.execute(query).all():
        conn.execute(
            dialect_insert(conn, deleted_tags)
            .values(repository_id=repo_id, tag=tag, digest=digest, deleted_at=now)
            .on_conflict_do_update(
                index_elements=[deleted_tags.c.repository_id, deleted_tags.c.tag],
                set_={"digest": digest, "deleted_at": now},
            )
        )


def forget(conn: Connection, repo_id: int, tag: str) -> None:
    """The tag serves an image again: nothing of it is deleted any more."""
    where = (deleted_tags.c.repository_id == repo_id, deleted_tags.c.tag == tag)
    conn.execute(delete(deleted_tags).where(*where))


def restorable(
    conn: Connection, project: str, since: float, repository: str | None = None
) -> list[DeletedTag]:
    """Tags of the project's repositories (or of one) deleted at `since` or later whose
    image the repository still holds, by repository and tag."""
    query = (
        select(repositories.c.name, deleted_tags.c.tag, deleted_tags.c.digest)
        .add_columns(deleted_tags.c.deleted_at)
        .join(repositories, repositories.c.id == deleted_tags.c.repository_id)
        .join(
            manifests,
            (manifests.c.repository_id == deleted_tags.c.repository_id)
            & (manifests.c.digest == deleted_tags.c.digest),
        )
        .where(deleted_tags.c.deleted_at >= since)
        .order_by(repositories.c.name, deleted_tags.c.tag)
    )
    if repository is not None:
        query = query.where(repositories.c.name == repository)
    else:
        query = query.where(in_project(project))
    return [DeletedTag(*row) for row in conn.execute(query)]


def kept_digests(conn: Connection, since: float) -> set[str]:
    """Images a tag deleted at `since` or later served: the pruner keeps them."""
    query = select(deleted_tags.c.digest).where(deleted_tags.c.deleted_at >= since)
    return set(conn.execute(query).scalars())


def keeps(conn: Connection, digest: str, since: float) -> bool:
    query = select(deleted_tags.c.digest).where(
        deleted_tags.c.digest == digest, deleted_tags.c.deleted_at >= since
    )
    return conn.execute(query.limit(1)).first() is not None


def expire(conn: Connection, before: float) -> int:
    """Forget tags deleted before `before`: they can no longer be restored."""
    return conn.execute(delete(deleted_tags).where(deleted_tags.c.deleted_at < before)).rowcount
