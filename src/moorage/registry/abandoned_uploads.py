"""Removing uploads nobody can finish: their ids have expired, so only this frees their bytes.

An upload is stale once it has gone unwritten for its id's lifetime plus a
grace period. Its last write is never earlier than its start, so a stale
upload's id has been refused for at least the grace period; an upload still
receiving bytes keeps a fresh last write and is never stale, however old its id.
"""

import asyncio
import logging
import time
from collections.abc import Callable

from moorage.observability import logs
from moorage.registry.uploads import UPLOAD_LIFETIME
from moorage.storage import BlobStore
from moorage.storage.base import Swept

GRACE = 3600.0
EVERY = 3600.0

log = logging.getLogger("moorage.registry")


async def sweep_abandoned_uploads(
    store: BlobStore,
    clock: Callable[[], float] = time.time,
    lifetime: float = UPLOAD_LIFETIME,
) -> Swept:
    swept = await store.remove_stale_uploads(clock() - lifetime - GRACE)
    if swept.uploads:
        logs.event(
            log,
            f"removed {swept.uploads} abandoned uploads, freeing {swept.bytes} bytes",
            uploads=swept.uploads,
            bytes=swept.bytes,
        )
    return swept


async def keep_sweeping(store: BlobStore, every: float = EVERY) -> None:
    """Sweep now and then every `every` seconds; a failed sweep waits for the next."""
    while True:
        try:
            await sweep_abandoned_uploads(store)
        except OSError as exc:
            log.warning(f"could not sweep abandoned uploads: {exc}")
        await asyncio.sleep(every)
