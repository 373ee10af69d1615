"""Online garbage collection: freeing blobs no repository needs while pushes and pulls go on.

What is garbage
- A repository's link to a blob (a repository_blobs row) is live while a
  manifest of that repository references the blob, or the blob is a manifest
  of that repository, or the link was made or refreshed less than GRACE ago (a
  layer pushed before its manifest). Otherwise the link is garbage.
- A blob (its blobs row and its bytes in storage) is garbage when no
  repository links it and it was touched less recently than GRACE.
- Manifests are never garbage here: only explicit deletes and the pruner
  remove them (untagged manifests are kept, as distribution keeps them
  without --delete-untagged).

The invariant: every push acknowledged stays pullable, bit for bit. It rests on
another: a blob's row exists unmarked only while its bytes are in storage.
- A row is made only after its bytes are stored, by the transaction that links
  them. The collector marks a row (deleting_since) before it deletes the bytes,
  and removes the row after them.
- Whatever makes a blob usable (an upload's end, a mount, a manifest PUT) does
  so in one transaction that locks the blob's row, refuses it if marked, sets
  touched_at and makes or refreshes the link (store/blob_rows.py). A push that
  finds the row marked waits until the collector has removed it, then stores
  its bytes again; one that finds no row stores its bytes before linking.
- The collector marks a row only in a transaction that locked it and found, in
  a new statement, no link and touched_at older than GRACE. So a link either
  came first (the collector leaves the row) or comes after the mark (refused).
- A manifest PUT holds the links it relies on FOR SHARE while it checks them;
  the collector deletes a link holding it FOR UPDATE, after checking again that
  nothing references it. Either the manifest's references are seen (the link
  stays) or the link is gone (the PUT fails with MANIFEST_BLOB_UNKNOWN).
- A row a collector left marked when it died is finished by the next pass, the
  first one at start (deleting bytes is idempotent).

GRACE is `moorage serve --gc-grace` (one hour by default); the parent process runs a
pass every `--gc-interval` (server/collecting.py).

Candidates are found in batches in key order, never by listing storage, so a pass
holds at most a batch in memory however many images there are.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from moorage.observability import logs
from moorage.storage import BlobStore
from moorage.store.garbage import Garbage, Link

log = logging.getLogger("moorage.registry")


@dataclass(frozen=True, slots=True)
class Collected:
    """What one pass freed."""

    links: int
    blobs: int
    bytes: int


async def collect(
    garbage: Garbage,
    store: BlobStore,
    grace: float,
    clock: Callable[[], float] = time.time,
) -> Collected:
    """One pass: drop garbage links, then delete the blobs nothing links any more."""
    cutoff = clock() - grace
    links = await _drop_links(garbage, cutoff)
    blobs, freed = await _delete_blobs(garbage, store, cutoff)
    collected = Collected(links, blobs, freed)
    if links or blobs:
        logs.event(
            log,
            f"garbage collection removed {links} links and {blobs} blobs, freeing {freed} bytes",
            links=links,
            blobs=blobs,
            bytes=freed,
        )
    return collected


async def _drop_links(garbage: Garbage, cutoff: float) -> int:
    dropped = 0
    after: Link | None = None
    while batch := await asyncio.to_thread(garbage.stale_links, cutoff, after):
        for link in batch:
            dropped += await asyncio.to_thread(garbage.drop_link, link, cutoff)
        after = batch[-1]
    return dropped


async def _delete_blobs(garbage: Garbage, store: BlobStore, cutoff: float) -> tuple[int, int]:
    deleted = freed = 0
    after = ""
    while batch := await asyncio.to_thread(garbage.unlinked_blobs, cutoff, after):
        for digest in batch:
            size = await asyncio.to_thread(garbage.mark_blob, digest, cutoff)
            if size is None:
                continue
            await store.delete(digest)
            if await asyncio.to_thread(garbage.forget_blob, digest):
                deleted, freed = deleted + 1, freed + size
        after = batch[-1]
    return deleted, freed
