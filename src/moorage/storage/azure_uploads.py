"""The writer that appends to an upload on Azure: blocks staged, then the block list committed.

A block's id names the offset it starts at and the writer that staged it, so ids never
repeat within a blob: a block a killed replica staged can never be taken for one another
replica staged at the same offset and committed.
"""

import base64
import secrets

from azure.storage.blob import BlobBlock, BlockState

from moorage.storage.azure_client import AzureCalls


def block_id(offset: int, writer: str) -> str:
    return base64.b64encode(f"{offset:016x}-{writer}".encode()).decode()


class AzureUploadWriter:
    """Buffers appended bytes; `drain` stages whole blocks, `close` stages the rest and commits
    the blob's block list with every block staged here appended. At most one block and the
    bytes appended since the last drain are held in memory."""

    def __init__(self, calls: AzureCalls, blob: str) -> None:
        self._calls = calls
        self._blob = blob
        self._block_size = calls.location.block_size
        self._writer = secrets.token_hex(4)
        self._pending = bytearray()
        self._committed: list[BlobBlock] | None = None
        self._staged: list[BlobBlock] = []
        self._size = 0  # bytes in the committed and staged blocks

    def append(self, chunk: bytes) -> None:
        self._pending += chunk

    async def drain(self) -> None:
        await self._load()
        while len(self._pending) >= self._block_size:
            await self._stage(bytes(self._pending[: self._block_size]))
            del self._pending[: self._block_size]

    async def close(self) -> None:
        await self.drain()
        if self._pending:
            await self._stage(bytes(self._pending))
            self._pending.clear()
        if not self._staged:
            return
        assert self._committed is not None
        blocks = self._committed + self._staged
        await self._calls.call(self._blob, "commit_block_list", block_list=blocks)
        self._committed, self._staged = blocks, []

    async def _load(self) -> None:
        """The blob's committed blocks, named as committed: a block staged since with the same
        id must not replace one."""
        if self._committed is not None:
            return
        committed, _ = await self._calls.call(
            self._blob, "get_block_list", block_list_type="committed"
        )
        self._committed = [BlobBlock(block.id, BlockState.COMMITTED) for block in committed]
        self._size = sum(block.size for block in committed)

    async def _stage(self, body: bytes) -> None:
        identifier = block_id(self._size, self._writer)
        await self._calls.call(self._blob, "stage_block", block_id=identifier, data=body)
        self._staged.append(BlobBlock(identifier, BlockState.UNCOMMITTED))
        self._size += len(body)
