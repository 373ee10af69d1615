"""Pinning a blob before its bytes are written or reused: what keeps a push safe beside the
collector (registry/collector.py states the invariant)."""

import asyncio
import time

from moorage.content.errors import RegistryError
from moorage.store.blob_rows import BlobDeleting
from moorage.store.registry_metadata import RegistryMetadata

# How long a push waits for the collector to finish deleting the blob it pushes again.
PIN_WAIT = 30.0
PIN_POLL = 0.05


class BlobBusy(RegistryError):
    """The push could not be kept safe from a collection; retrying it will work."""

    code = "UNAVAILABLE"


async def pinned(metadata: RegistryMetadata, digest: str, size: int) -> None:
    """Pin the blob; while the collector is deleting it, wait until its row is gone (then the
    pin makes a fresh one and the caller writes the bytes again)."""
    deadline = time.monotonic() + PIN_WAIT
    while True:
        try:
            return await asyncio.to_thread(metadata.pin_blob, digest, size)
        except BlobDeleting:
            if time.monotonic() > deadline:
                raise BlobBusy(
                    f"blob {digest} is being garbage collected; push it again later",
                    {"digest": digest},
                ) from None
            await asyncio.sleep(PIN_POLL)


def collected_meanwhile(digest: str) -> BlobBusy:
    """The push stalled past the grace period and the collector took the bytes it wrote."""
    return BlobBusy(
        f"blob {digest} was garbage collected before its push ended; push it again",
        {"digest": digest},
    )
