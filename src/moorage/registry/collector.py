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
holds at most a batch in memory however many images there are. They are removed a
step of rows per transaction, and a pass rests between steps (its Pace) so that it
takes a bounded share of the time from the pushes and pulls beside it.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from moorage.observability import logs
from moorage.storage import BlobStore
from moorage.store.garbage import Garbage, Link

log = logging.getLogger("moorage.registry")

STEP = 50  # rows changed by one short transaction: one commit, one flush, for this many
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Collected:
    """What one pass freed."""

    links: int
    blobs: int
    bytes: int


class Pace:
    """Rests after each step of work so that working takes at most `share` of the time:
    a pass yields the machine, its database and its storage to the request path."""

    def __init__(
        self,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        rest: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rest_per_work = (1 - share) / share
        self._clock = clock
        self._rest = rest

    @contextlib.asynccontextmanager
    async def step(self) -> AsyncIterator[None]:
        started = self._clock()
        yield
        if self._rest_per_work:
            await self._rest((self._clock() - started) * self._rest_per_work)


async def collect(
    garbage: Garbage,
    store: BlobStore,
    grace: float,
    clock: Callable[[], float] = time.time,
    pace: Pace | None = None,
) -> Collected:
    """One pass: drop garbage links, then delete the blobs nothing links any more."""
    cutoff = clock() - grace
    pace = pace or Pace()
    links = await _drop_links(garbage, cutoff, pace)
    blobs, freed = await _delete_blobs(garbage, store, cutoff, pace)
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


def _steps(batch: list[T]) -> Iterator[list[T]]:
    for start in range(0, len(batch), STEP):
        yield batch[start : start + STEP]


async def _drop_links(garbage: Garbage, cutoff: float, pace: Pace) -> int:
    dropped = 0
    after: Link | None = None
    while batch := await asyncio.to_thread(garbage.stale_links, cutoff, after):
        for links in _steps(batch):
            async with pace.step():
                dropped += await asyncio.to_thread(garbage.drop_links, links, cutoff)
        after = batch[-1]
    return dropped


async def _delete_blobs(
    garbage: Garbage, store: BlobStore, cutoff: float, pace: Pace
) -> tuple[int, int]:
    deleted = freed = 0
    after = ""
    while batch := await asyncio.to_thread(garbage.unlinked_blobs, cutoff, after):
        for digests in _steps(batch):
            async with pace.step():
                sizes = await asyncio.to_thread(garbage.mark_blobs, digests, cutoff)
                for digest in sizes:
                    await store.delete(digest)
                forgotten = await asyncio.to_thread(garbage.forget_blobs, list(sizes))
            deleted += len(forgotten)
            freed += sum(sizes[digest] for digest in forgotten)
        after = batch[-1]
    return deleted, freed
