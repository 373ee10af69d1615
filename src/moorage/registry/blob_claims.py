"""Whether a push reuses stored bytes or writes them, decided safely beside the collector
(registry/collector.py states the invariant, store/blob_rows.py the row protocol)."""

import asyncio
import time

from moorage.content.errors import RegistryError
from moorage.store.blob_rows import BlobState
from moorage.store.registry_metadata import RegistryMetadata

# How long a push waits for the collector to finish deleting the blob it pushes again.
DELETION_WAIT = 30.0
POLL = 0.05


class BlobBusy(RegistryError):
    """The push could not be kept safe from a collection; retrying it will work."""

    code = "UNAVAILABLE"


async def bytes_stored(metadata: RegistryMetadata, digest: str) -> bool:
    """True when the blob's bytes are stored (the caller may link them, and if that is refused,
    asks again); False when the caller must write them: there is no row, or the collector's
    deletion of them has finished, which is waited for."""
    deadline = time.monotonic() + DELETION_WAIT
    while (state := metadata.blob_state(digest)) is BlobState.DELETING:
        if time.monotonic() > deadline:
            raise BlobBusy(
                f"blob {digest} is being garbage collected; push it again later",
                {"digest": digest},
            )
        await asyncio.sleep(POLL)
    return state is BlobState.STORED


def collected_meanwhile(digest: str) -> BlobBusy:
    """The push stalled past the grace period and the collector took the bytes it wrote."""
    return BlobBusy(
        f"blob {digest} was garbage collected before its push ended; push it again",
        {"digest": digest},
    )
