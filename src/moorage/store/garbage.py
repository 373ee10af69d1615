"""The collector's queries: finding garbage in batches, and removing it one row at a time.

Each removal is its own short transaction that locks the row, then checks again
in a new statement (a fresh snapshot under READ COMMITTED) that it is still
garbage, so a push that made it live meanwhile wins. What garbage is, and why
this is safe beside pushes, is stated in registry/collector.py.
"""

import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, exists, select, tuple_, update

from moorage.store.blob_rows import lock_blob
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

    # Removing: one short transaction per row -------------------------------

    def drop_link(self, link: Link, cutoff: float) -> bool:
        """Delete the link if it is still garbage; False when a push made it live."""
        where = (
            repository_blobs.c.repository_id == link.repository_id,
            repository_blobs.c.digest == link.digest,
        )
        with self._locking.begin() as conn:
            locked = select(repository_blobs.c.digest).where(*where).with_for_update()
            if conn.execute(locked).first() is None:
                return False
            still = select(repository_blobs.c.digest).where(
                *where, repository_blobs.c.created_at < cutoff, ~_REFERENCED, ~_A_MANIFEST
            )
            if conn.execute(still).first() is None:
                return False
            conn.execute(delete(repository_blobs).where(*where))
            return True

    def mark_blob(self, digest: str, cutoff: float) -> int | None:
        """Mark the blob deleting if it is still garbage (or already marked): its size, for
        the caller to delete its bytes; None when a push made it live."""
        with self._locking.begin() as conn:
            row = lock_blob(conn, digest)
            if row is None:
                return None
            if row.deleting_since is not None:
                return row.size
            linked = select(repository_blobs.c.digest).where(repository_blobs.c.digest == digest)
            if row.touched_at >= cutoff or conn.execute(linked.limit(1)).first() is not None:
                return None
            marking = update(blobs).where(blobs.c.digest == digest)
            conn.execute(marking.values(deleting_since=time.time()))
            return row.size

    def forget_blob(self, digest: str) -> bool:
        """Delete the row of a blob whose bytes are gone, if it is still marked."""
        query = delete(blobs).where(blobs.c.digest == digest, blobs.c.deleting_since.is_not(None))
        with self._locking.begin() as conn:
            return conn.execute(query).rowcount > 0
