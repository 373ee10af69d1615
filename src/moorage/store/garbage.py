"""The collector's queries: finding garbage in batches, and removing it a few rows at a time.

Each removal is a short transaction that locks the rows, then checks again
in a new statement (a fresh snapshot under READ COMMITTED) that it is still
garbage, so a push that made it live meanwhile wins. What garbage is, and why
this is safe beside pushes, is stated in registry/collector.py.
"""

import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, exists, select, tuple_, update

from moorage.store.database import row_locking
from moorage.store.schema import blobs, manifest_references, manifests, repository_blobs

BATCH = 500


@dataclass(frozen=True, slots=True)
class Link:
    repository_id: int
    digest: str


_REFERENCED = exists().where(
    manifest_references.c.repository_id == repository_blobs.c.repository_id,
    manifest_references.c.reference_digest == repository_blobs.c.digest,
)
_A_MANIFEST = exists().where(
    manifests.c.repository_id == repository_blobs.c.repository_id,
    manifests.c.digest == repository_blobs.c.digest,
)
_LINKED = exists().where(repository_blobs.c.digest == blobs.c.digest)


class Garbage:
    def __init__(self, engine: Engine, batch: int = BATCH) -> None:
        self._engine = engine
        self._locking = row_locking(engine)
        self._batch = batch

    # Finding candidates: plain reads, in key order, a batch at a time ------

    def stale_links(self, cutoff: float, after: Link | None) -> list[Link]:
        """Links untouched since `cutoff` that no manifest of their repository references
        and that are no manifest of it, after `after` in key order."""
        key = tuple_(repository_blobs.c.repository_id, repository_blobs.c.digest)
        query = (
            select(repository_blobs.c.repository_id, repository_blobs.c.digest)
            .where(repository_blobs.c.created_at < cutoff, ~_REFERENCED, ~_A_MANIFEST)
            .order_by(repository_blobs.c.repository_id, repository_blobs.c.digest)
            .limit(self._batch)
        )
        if after is not None:
            query = query.where(key > tuple_(after.repository_id, after.digest))
        with self._engine.connect() as conn:
            return [Link(*row) for row in conn.execute(query)]

    def unlinked_blobs(self, cutoff: float, after: str) -> list[str]:
        """Digests no repository links, untouched since `cutoff` or marked by a collector
        that did not finish, after `after`."""
        query = (
            select(blobs.c.digest)
            .where(blobs.c.digest > after, ~_LINKED)
            .where((blobs.c.touched_at < cutoff) | blobs.c.deleting_since.is_not(None))
            .order_by(blobs.c.digest)
            .limit(self._batch)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(query).scalars())

    # Removing: one short transaction per step of a few rows ------------------
    # Rows a push holds locked now are skipped (SKIP LOCKED): the collector never waits for
    # the request path; the push makes them live anyway, or the next pass takes them.

    def drop_links(self, links: list[Link], cutoff: float) -> int:
        """Delete those of `links` that are still garbage; how many were."""
        key = tuple_(repository_blobs.c.repository_id, repository_blobs.c.digest)
        wanted = key.in_([(link.repository_id, link.digest) for link in links])
        with self._locking.begin() as conn:
            locking = select(repository_blobs.c.repository_id, repository_blobs.c.digest)
            locked = conn.execute(locking.where(wanted).with_for_update(skip_locked=True)).all()
            if not locked:
                return 0
            still = (
                key.in_([tuple(row) for row in locked]),
                repository_blobs.c.created_at < cutoff,
                ~_REFERENCED,
                ~_A_MANIFEST,
            )
            return conn.execute(delete(repository_blobs).where(*still)).rowcount

    def mark_blobs(self, digests: list[str], cutoff: float) -> dict[str, int]:
        """Mark deleting those of `digests` still garbage (or already marked): their sizes, for
        the caller to delete their bytes. A digest missing was made live by a push."""
        with self._locking.begin() as conn:
            locking = select(blobs.c.digest).where(blobs.c.digest.in_(digests))
            locked = list(conn.execute(locking.with_for_update(skip_locked=True)).scalars())
            if not locked:
                return {}
            still = (
                select(blobs.c.digest, blobs.c.size)
                .where(blobs.c.digest.in_(locked), ~_LINKED)
                .where((blobs.c.touched_at < cutoff) | blobs.c.deleting_since.is_not(None))
            )
            sizes: dict[str, int] = dict(conn.execute(still).tuples().all())
            marking = update(blobs).where(
                blobs.c.digest.in_(sizes), blobs.c.deleting_since.is_(None)
            )
            conn.execute(marking.values(deleting_since=time.time()))
            return sizes

    def forget_blobs(self, digests: list[str]) -> list[str]:
        """Delete the rows of blobs whose bytes are gone, those still marked: which were."""
        marked = (blobs.c.digest.in_(digests), blobs.c.deleting_since.is_not(None))
        with self._locking.begin() as conn:
            gone = conn.execute(delete(blobs).where(*marked).returning(blobs.c.digest))
            return list(gone.scalars())
