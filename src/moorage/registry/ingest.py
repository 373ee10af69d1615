"""Taking in an upload's bytes: the event loop receives while a thread writes and hashes.

Writing to the page cache and sha256 both release the GIL, so handing each
batch of received chunks to a thread lets a second core work on the bytes
while the event loop reads the next batch off the socket. Batches are
consumed one at a time and in order; a finished batch is the only thing
waited for, so at most two batches (2 MiB) of an upload are in memory, beside
what the writer buffers until it drains (a driver's part). Only a last batch of
a few KiB is written and hashed on the loop itself.
"""

import asyncio
import hashlib
from collections.abc import AsyncIterator

from moorage.storage.base import UploadWriter

BATCH_BYTES = 1 << 20
INLINE_BYTES = 8 << 10


async def ingest(
    body: AsyncIterator[bytes], writer: UploadWriter, hasher: "hashlib._Hash | None"
) -> int:
    """Append every chunk of `body` to `writer` (and `hasher`); returns the byte count."""
    loop = asyncio.get_running_loop()
    running: asyncio.Future[None] | None = None
    batch: list[bytes] = []
    batched = total = 0

    def consume(chunks: list[bytes]) -> None:
        for chunk in chunks:
            writer.append(chunk)
            if hasher is not None:
                hasher.update(chunk)

    try:
        async for chunk in body:
            batch.append(chunk)
            batched += len(chunk)
            total += len(chunk)
            if batched >= BATCH_BYTES:
                if running is not None:
                    await running
                    await writer.drain()  # between appends, never beside one
                running = loop.run_in_executor(None, consume, batch)
                batch, batched = [], 0
        if running is not None:
            await running
            running = None
        if batched > INLINE_BYTES:
            await loop.run_in_executor(None, consume, batch)
        else:
            consume(batch)
    finally:
        if running is not None:
            # Never close the writer under a thread still appending to it.
            await asyncio.shield(running)
    return total
