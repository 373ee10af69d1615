"""An upload in progress on GCS: its state object, and the writer that appends to it.

An upload is parts, objects `uploads/<key>/parts/<offset>-<writer>` of at most `chunk_size`
bytes each (a PATCH's last bytes are a shorter part), and `uploads/<key>/state`, JSON naming
the parts in order. Writing the state is the commit point of a PATCH: parts it does not name
(a killed replica's) are invisible, and a part's name says who wrote it, so none is ever
replaced once named. Committing composes the parts into the blob's object inside GCS.
"""

import contextlib
import json
import secrets
from dataclasses import dataclass, field

from moorage.storage.gcs_client import RETRY, GcsCalls


@dataclass
class UploadState:
    parts: list[tuple[str, int]] = field(default_factory=list)  # object name, size

    @property
    def size(self) -> int:
        return sum(size for _, size in self.parts)

    def encode(self) -> bytes:
        return json.dumps({"parts": self.parts}).encode()

    @classmethod
    def decode(cls, data: bytes) -> "UploadState":
        return cls([(name, size) for name, size in json.loads(data)["parts"]])


class Upload:
    """Reads and writes one upload's objects; the writer and the store both work through it."""

    def __init__(self, calls: GcsCalls, uploads: str, key: str) -> None:
        self.calls = calls
        self.prefix = f"{uploads}{key}/"
        self.state = self.prefix + "state"

    async def load(self) -> UploadState:
        return UploadState.decode(await self.calls.read(self.state))

    async def save(self, state: UploadState) -> None:
        await self.calls.write(self.state, state.encode())

    def part(self, offset: int, writer: str) -> str:
        return f"{self.prefix}parts/{offset:016x}-{writer}"

    async def remove(self) -> None:
        for blob in await self.calls.listing(self.prefix):
            with contextlib.suppress(FileNotFoundError):  # removed by whoever did first
                await self.calls.run(blob.delete, retry=RETRY)


class GcsUploadWriter:
    """Buffers appended bytes; `drain` writes whole parts, `close` writes the rest as a part
    and names them all in the state. At most one part and the bytes appended since the last
    drain are held in memory."""

    def __init__(self, upload: Upload, chunk_size: int) -> None:
        self._upload = upload
        self._chunk_size = chunk_size
        self._writer = secrets.token_hex(4)
        self._pending = bytearray()
        self._state: UploadState | None = None
        self._written: list[tuple[str, int]] = []

    def append(self, chunk: bytes) -> None:
        self._pending += chunk

    async def drain(self) -> None:
        while len(self._pending) >= self._chunk_size:
            await self._write(bytes(self._pending[: self._chunk_size]))
            del self._pending[: self._chunk_size]

    async def close(self) -> None:
        await self.drain()
        if self._pending:
            await self._write(bytes(self._pending))
            self._pending.clear()
        if self._written:
            state = await self._loaded()
            state.parts += self._written
            await self._upload.save(state)
            self._written = []

    async def _loaded(self) -> UploadState:
        if self._state is None:
            self._state = await self._upload.load()
        return self._state

    async def _write(self, body: bytes) -> None:
        offset = (await self._loaded()).size + sum(size for _, size in self._written)
        name = self._upload.part(offset, self._writer)
        await self._upload.calls.write(name, body)
        self._written.append((name, len(body)))
