"""The blob row protocol the request path and the collector share, inside a caller's transaction.

The invariant it keeps: a blob's row exists unmarked only while its bytes are in
storage. A row is made only after its bytes are stored, in the transaction that
links them; the collector marks a row (deleting_since) before it deletes the
bytes, and removes the row after. Whatever makes a blob usable (an upload's end,
a mount, a manifest) links it in one transaction that first locks the row
(PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write transaction's IMMEDIATE
lock), refuses a marked row, and sets touched_at; the collector locks the same
row to mark it, so the two serialise: the row is either marked (and nothing
links it again) or touched (and the collector leaves it for a grace period).
"""

import enum

from sqlalchemy import Connection, Row, select, update

from moorage.store.schema import blobs, repository_blobs
from moorage.store.sql import dialect_insert


class BlobDeleting(Exception):
    """The collector is deleting this blob (or has deleted it): its bytes cannot be relied on."""


class BlobState(enum.Enum):
    MISSING = "missing"  # no row: whoever needs the bytes writes them
    STORED = "stored"  # an unmarked row: the bytes are in storage
    DELETING = "deleting"  # marked: the collector is deleting the bytes


def lock_blob(conn: Connection, digest: str) -> Row[int, float, float | None] | None:
    """Lock the blob's row and read it (size, touched_at, deleting_since); None when missing."""
    query = (
        select(blobs.c.size, blobs.c.touched_at, blobs.c.deleting_since)
        .where(blobs.c.digest == digest)
        .with_for_update()
    )
    return conn.execute(query).first()


def link(
    conn: Connection, repo_id: int, digest: str, now: float, written_size: int | None = None
) -> None:
    """Link the blob to a repository (or refresh the link) and touch it. `written_size`: the
    caller has just stored the bytes, so a missing row is made. BlobDeleting when the row is
    marked, or missing and the caller did not store the bytes (they may be gone)."""
    row = lock_blob(conn, digest)
    if row is None and written_size is not None:
        values = {"digest": digest, "size": written_size, "created_at": now, "touched_at": now}
        conn.execute(blobs.insert().values(values))
    elif row is None or row.deleting_since is not None:
        raise BlobDeleting(digest)
    else:
        conn.execute(update(blobs).where(blobs.c.digest == digest).values(touched_at=now))
    linked = {"repository_id": repo_id, "digest": digest, "created_at": now}
    upsert = dialect_insert(conn, repository_blobs).values(linked)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[repository_blobs.c.repository_id, repository_blobs.c.digest],
            set_={"created_at": now},
        )
    )
