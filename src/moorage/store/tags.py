"""Tags of a repository, inside a caller's transaction: what the registry serves, and history.

The `tags` table is the one source of truth for what a tag resolves to; an
ImageStream's status.tags is rendered from it and from `tag_history`, never
stored a second time.
"""

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, delete, select

from moorage.store import deleted_tags
from moorage.store.blob_rows import BlobDeleting, link
from moorage.store.errors import Conflict
from moorage.store.schema import (
    in_project,
    manifest_references,
    manifests,
    repositories,
    repository_blobs,
    tag_conditions,
    tag_history,
    tags,
)
from moorage.store.sql import dialect_insert, insert_ignore

HISTORY_BATCH = 500  # repositories per history query: a page of a list renders hundreds
UPSTREAMS = 8  # other registries' references a pull-through tries, at most


@dataclass(frozen=True, slots=True)
class TagEvent:
    digest: str
    created_at: float
    generation: int
    reference: str | None = None  # where another registry serves it; None: this registry


def repository_id(conn: Connection, repository: str, create: bool = False) -> int | None:
    query = select(repositories.c.id).where(repositories.c.name == repository)
    found = conn.execute(query).scalar()
    if found is None and create:
        insert_ignore(conn, repositories, [{"name": repository, "created_at": time.time()}])
        found = conn.execute(query).scalar()
    return found


def has_manifest(conn: Connection, repo_id: int, digest: str) -> bool:
    query = select(manifests.c.digest).where(
        manifests.c.repository_id == repo_id, manifests.c.digest == digest
    )
    return conn.execute(query).first() is not None


def set_tag(
    conn: Connection,
    repo_id: int,
    tag: str,
    digest: str,
    generation: int = 1,
    reference: str | None = None,
) -> None:
    """Point `tag` at `digest`, adding a history entry when that changes where it points
    (`reference`: where another registry serves the image, for an import)."""
    now = time.time()
    current = conn.execute(
        select(tags.c.digest).where(tags.c.repository_id == repo_id, tags.c.name == tag)
    ).scalar()
    if current == digest:
        return
    conn.execute(
        dialect_insert(conn, tags)
        .values(repository_id=repo_id, name=tag, digest=digest, updated_at=now)
        .on_conflict_do_update(
            index_elements=[tags.c.repository_id, tags.c.name],
            set_={"digest": digest, "updated_at": now},
        )
    )
    deleted_tags.forget(conn, repo_id, tag)
    conn.execute(
        tag_history.insert().values(
            repository_id=repo_id,
            tag=tag,
            digest=digest,
            created_at=now,
            generation=generation,
            reference=reference,
        )
    )


def remove_tags(
    conn: Connection, repo_id: int, names: list[str] | None = None, restorable: bool = False
) -> int:
    """Remove some (or all) tags and their history; returns how many tags went. `restorable`:
    remember what each served, for `restore`."""
    if restorable:
        deleted_tags.remember(conn, repo_id, names)
    tag_rows = delete(tags).where(tags.c.repository_id == repo_id)
    history = delete(tag_history).where(tag_history.c.repository_id == repo_id)
    failures = delete(tag_conditions).where(tag_conditions.c.repository_id == repo_id)
    if names is not None:
        tag_rows = tag_rows.where(tags.c.name.in_(names))
        history = history.where(tag_history.c.tag.in_(names))
        failures = failures.where(tag_conditions.c.tag.in_(names))
    conn.execute(history)
    conn.execute(failures)
    return conn.execute(tag_rows).rowcount


def forget_project(conn: Connection, project: str) -> int:
    """Every repository `<project>/...` goes, with its tags, history and links (the database
    cascades); blobs stay until pruned. Returns how many repositories went."""
    return conn.execute(delete(repositories).where(in_project(project))).rowcount


def names(conn: Connection, repo_id: int) -> list[str]:
    """The repository's tags."""
    return list(conn.execute(select(tags.c.name).where(tags.c.repository_id == repo_id)).scalars())


def tags_pointing_at(conn: Connection, repo_id: int, digest: str) -> list[str]:
    query = select(tags.c.name).where(tags.c.repository_id == repo_id, tags.c.digest == digest)
    return list(conn.execute(query).scalars())


def histories(conn: Connection, names: list[str]) -> dict[str, dict[str, list[TagEvent]]]:
    """Each repository's current tags with every digest each has pointed at, newest first.

    One query per HISTORY_BATCH repositories, not one per repository: a page of a
    list renders hundreds of streams.
    """
    out: dict[str, dict[str, list[TagEvent]]] = {}
    for start in range(0, len(names), HISTORY_BATCH):
        query = _history_query(names[start : start + HISTORY_BATCH])
        for repository, tag, digest, created, generation, reference in conn.execute(query):
            events = out.setdefault(repository, {}).setdefault(tag, [])
            events.append(TagEvent(digest, created, generation, reference))
    return out


def _history_query(names: list[str]) -> Select[Any]:
    history, current, repos = tag_history, tags, repositories
    return (
        select(
            repos.c.name,
            history.c.tag,
            history.c.digest,
            history.c.created_at,
            history.c.generation,
            history.c.reference,
        )
        .select_from(history)
        .join(repos, repos.c.id == history.c.repository_id)
        .join(
            current,
            (current.c.repository_id == history.c.repository_id)
            & (current.c.name == history.c.tag),
        )
        .where(repos.c.name.in_(names))
        .order_by(history.c.repository_id, history.c.tag, history.c.id.desc())
    )


def link_manifest(conn: Connection, source_id: int, target_id: int, digest: str) -> None:
    """Make `target` serve a manifest that `source` has: the manifest, its blobs, its children.
    Each blob is linked as a push links it (store/blob_rows.py); Conflict when the collector
    is deleting one (the source lost it meanwhile)."""
    row = (
        conn.execute(
            select(manifests).where(
                manifests.c.repository_id == source_id, manifests.c.digest == digest
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return
    insert_ignore(conn, manifests, [{**row, "repository_id": target_id}])
    references = list(
        conn.execute(
            select(manifest_references.c.reference_digest).where(
                manifest_references.c.repository_id == source_id,
                manifest_references.c.manifest_digest == digest,
            )
        ).scalars()
    )
    now = time.time()
    for reference in references:
        reference_row = {
            "repository_id": target_id,
            "manifest_digest": digest,
            "reference_digest": reference,
        }
        insert_ignore(conn, manifest_references, [reference_row])
        if has_manifest(conn, source_id, reference):
            link_manifest(conn, source_id, target_id, reference)
    for blob in [digest, *references]:
        linked = conn.execute(
            select(repository_blobs.c.digest).where(
                repository_blobs.c.repository_id == source_id, repository_blobs.c.digest == blob
            )
        ).first()
        if linked is None:
            continue
        try:
            link(conn, target_id, blob, now)
        except BlobDeleting:
            raise Conflict(
                f"{digest} cannot be tagged: {blob} is being garbage collected"
            ) from None


def current(conn: Connection, repo_id: int, tag: str) -> str | None:
    """The digest `tag` serves now."""
    query = select(tags.c.digest).where(tags.c.repository_id == repo_id, tags.c.name == tag)
    return conn.execute(query).scalar()


def upstream_references(conn: Connection, repo_id: int, digest: str) -> list[str]:
    """Where other registries serve the image `digest` this repository imported, newest
    first (the tag history's references to it); at most UPSTREAMS."""
    query = select(tag_history.c.reference).where(
        tag_history.c.repository_id == repo_id,
        tag_history.c.digest == digest,
        tag_history.c.reference.is_not(None),
    )
    found: list[str] = []
    for (reference,) in conn.execute(query.order_by(tag_history.c.id.desc())):
        if reference not in found:
            found.append(reference)
        if len(found) == UPSTREAMS:
            break
    return found


def referencing_manifest(conn: Connection, repo_id: int, digest: str) -> str | None:
    """A manifest of this repository that references `digest` (a layer, config or child)."""
    query = select(manifest_references.c.manifest_digest).where(
        manifest_references.c.repository_id == repo_id,
        manifest_references.c.reference_digest == digest,
    )
    return conn.execute(query.limit(1)).scalar()
