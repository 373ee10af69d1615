"""The pruner's rows: what a repository holds (history, tags, manifests, links) read into
`Held`, and the deletes that apply a prune, inside a caller's transaction.

The pruner decides in memory (imagestreams/prune_rules.py) and writes here; in a write
transaction (ResourceStore.transaction, serialized with every push) what it reads is what
it changes.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select

from moorage.store.schema import (
    blobs,
    deleted_tags,
    manifest_references,
    manifests,
    repositories,
    repository_blobs,
    tag_history,
    tags,
)


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a tag's history."""

    id: int
    tag: str
    digest: str
    created_at: float


@dataclass
class Held:
    """What one repository holds."""

    id: int
    name: str
    items: list[Item] = field(default_factory=list)  # each tag's newest first
    tags: dict[str, str] = field(default_factory=dict)  # tag -> digest it serves
    manifests: dict[str, set[str]] = field(default_factory=dict)  # digest -> what it references
    links: dict[str, float] = field(default_factory=dict)  # digest -> when linked or refreshed
    # deleted tag -> (digest it served, when it went): kept while restorable
    deleted: dict[str, tuple[str, float]] = field(default_factory=dict)


def repository_names(conn: Connection) -> dict[int, str]:
    """id -> name of every repository."""
    query = select(repositories.c.id, repositories.c.name)
    return {row.id: row.name for row in conn.execute(query)}


def repositories_in(conn: Connection) -> dict[str, Held]:
    """Every repository with all it holds, a few queries per 500 repositories."""
    held = {repo_id: Held(repo_id, name) for repo_id, name in repository_names(conn).items()}
    _fill(conn, held)
    return {h.name: h for h in held.values()}


def repository(conn: Connection, repo_id: int, name: str) -> Held:
    held = {repo_id: Held(repo_id, name)}
    _fill(conn, held)
    return held[repo_id]


def _fill(conn: Connection, held: dict[int, Held]) -> None:
    ids = list(held)
    for start in range(0, len(ids), 500):
        _fill_batch(conn, held, ids[start : start + 500])


def _fill_batch(conn: Connection, held: dict[int, Held], ids: list[int]) -> None:
    history = (
        select(tag_history.c.repository_id, tag_history.c.id, tag_history.c.tag)
        .add_columns(tag_history.c.digest, tag_history.c.created_at)
        .where(tag_history.c.repository_id.in_(ids))
        .order_by(tag_history.c.repository_id, tag_history.c.tag, tag_history.c.id.desc())
    )
    for repo_id, *item in conn.execute(history):
        held[repo_id].items.append(Item(*item))
    current = select(tags.c.repository_id, tags.c.name, tags.c.digest)
    for repo_id, tag, digest in conn.execute(current.where(tags.c.repository_id.in_(ids))):
        held[repo_id].tags[tag] = digest
    listed = select(manifests.c.repository_id, manifests.c.digest)
    for repo_id, digest in conn.execute(listed.where(manifests.c.repository_id.in_(ids))):
        held[repo_id].manifests[digest] = set()
    refs = select(
        manifest_references.c.repository_id,
        manifest_references.c.manifest_digest,
        manifest_references.c.reference_digest,
    ).where(manifest_references.c.repository_id.in_(ids))
    for repo_id, digest, reference in conn.execute(refs):
        held[repo_id].manifests.setdefault(digest, set()).add(reference)
    links = select(
        repository_blobs.c.repository_id, repository_blobs.c.digest, repository_blobs.c.created_at
    ).where(repository_blobs.c.repository_id.in_(ids))
    for repo_id, digest, created in conn.execute(links):
        held[repo_id].links[digest] = created
    gone = select(
        deleted_tags.c.repository_id,
        deleted_tags.c.tag,
        deleted_tags.c.digest,
        deleted_tags.c.deleted_at,
    ).where(deleted_tags.c.repository_id.in_(ids))
    for repo_id, tag, digest, deleted_at in conn.execute(gone):
        held[repo_id].deleted[tag] = (digest, deleted_at)


def repositories_holding(conn: Connection, digest: str) -> list[tuple[int, str]]:
    """(id, name) of each repository with the manifest `digest`."""
    query = (
        select(repositories.c.id, repositories.c.name)
        .join(manifests, manifests.c.repository_id == repositories.c.id)
        .where(manifests.c.digest == digest)
    )
    return [(row.id, row.name) for row in conn.execute(query)]


def in_history(conn: Connection, digest: str) -> bool:
    """Whether any tag serves `digest` now or has served it."""
    served = select(tags.c.digest).where(tags.c.digest == digest).limit(1)
    before = select(tag_history.c.digest).where(tag_history.c.digest == digest).limit(1)
    return any(conn.execute(q).first() is not None for q in (served, before))


def pushed_since(conn: Connection, digest: str, since: float) -> bool:
    """Whether a repository linked (or refreshed its link to) `digest` at `since` or later."""
    query = select(repository_blobs.c.digest).where(
        repository_blobs.c.digest == digest, repository_blobs.c.created_at >= since
    )
    return conn.execute(query.limit(1)).first() is not None


def referencing(conn: Connection, digest: str) -> set[str]:
    """Digests of the manifests (in any repository) that reference `digest`."""
    query = select(manifest_references.c.manifest_digest).where(
        manifest_references.c.reference_digest == digest
    )
    return set(conn.execute(query).scalars())


def sizes(conn: Connection, digests: Iterable[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for batch in _batches(digests):
        query = select(blobs.c.digest, blobs.c.size).where(blobs.c.digest.in_(batch))
        found.update({digest: size for digest, size in conn.execute(query)})
    return found


def unlinked(conn: Connection, digests: Iterable[str]) -> set[str]:
    """Those of `digests` no repository links."""
    gone: set[str] = set()
    for batch in _batches(digests):
        query = select(repository_blobs.c.digest).where(repository_blobs.c.digest.in_(batch))
        gone.update(set(batch) - set(conn.execute(query).scalars()))
    return gone


def _batches(digests: Iterable[str], size: int = 500) -> Iterator[list[str]]:
    """In lists short enough for one statement's parameters on every backend."""
    wanted = sorted(set(digests))
    for start in range(0, len(wanted), size):
        yield wanted[start : start + size]


# Deletes ------------------------------------------------------------------


def delete_items(conn: Connection, ids: Iterable[int]) -> None:
    conn.execute(delete(tag_history).where(tag_history.c.id.in_(list(ids))))


def delete_manifests(conn: Connection, repo_id: int, digests: Iterable[str]) -> None:
    wanted = list(digests)
    conn.execute(
        delete(manifest_references).where(
            manifest_references.c.repository_id == repo_id,
            manifest_references.c.manifest_digest.in_(wanted),
        )
    )
    listed = (manifests.c.repository_id == repo_id, manifests.c.digest.in_(wanted))
    conn.execute(delete(manifests).where(*listed))


def delete_links(conn: Connection, repo_id: int, digests: Iterable[str]) -> None:
    conn.execute(
        delete(repository_blobs).where(
            repository_blobs.c.repository_id == repo_id,
            repository_blobs.c.digest.in_(list(digests)),
        )
    )
