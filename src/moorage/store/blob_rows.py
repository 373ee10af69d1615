"""The blob row protocol the request path and the collector share, inside a caller's transaction.

Whatever makes a blob usable (an upload's bytes, a mount, a manifest) first
locks the blob's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write
transaction's IMMEDIATE lock), refuses a row the collector has marked, and
sets touched_at. The collector locks the same row before it marks it, so the
two serialise: a row is either marked (and nothing links it again) or touched
(and the collector leaves it for another grace period).
"""

from sqlalchemy import Connection, Row, select, update

from moorage.store.schema import blobs, repository_blobs
from moorage.store.sql import dialect_insert


class BlobDeleting(Exception):
    """The collector is deleting this blob (or has deleted it): its bytes cannot be relied on."""


def lock_blob(conn: Connection, digest: str) -> Row[int, float, float | None] | None:
    """Lock the blob's row and read it (size, touched_at, deleting_since); None when missing."""
    query = (
        select(blobs.c.size, blobs.c.touched_at, blobs.c.deleting_since)
        .where(blobs.c.digest == digest)
        .with_for_update()
    )
    return conn.execute(query).first()


def pin(conn: Connection, digest: str, size: int, now: float) -> None:
    """Mark the blob in use now, making its row when missing; BlobDeleting when marked."""
    row = lock_blob(conn, digest)
    if row is None:
        conn.execute(
            blobs.insert().values(digest=digest, size=size, created_at=now, touched_at=now)
        )
    elif row.deleting_since is not None:
        raise BlobDeleting(digest)
    else:
        conn.execute(update(blobs).where(blobs.c.digest == digest).values(touched_at=now))


def link(conn: Connection, repo_id: int, digest: str, now: float) -> None:
    """Link a blob whose bytes are stored to a repository, or refresh the link; BlobDeleting
    when its row is marked or gone (the bytes may be too)."""
    row = lock_blob(conn, digest)
    if row is None or row.deleting_since is not None:
        raise BlobDeleting(digest)
    conn.execute(update(blobs).where(blobs.c.digest == digest).values(touched_at=now))
    values = {"repository_id": repo_id, "digest": digest, "created_at": now}
    upsert = dialect_insert(conn, repository_blobs).values(values)
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=[repository_blobs.c.repository_id, repository_blobs.c.digest],
            set_={"created_at": now},
        )
    )
