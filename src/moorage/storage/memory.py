"""Blobs in process memory: the emptyDir behaviour, everything gone on restart."""

from collections.abc import AsyncIterator
from pathlib import Path


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._uploads: dict[str, bytearray] = {}

    async def exists(self, digest: str) -> bool:
        return digest in self._blobs

    async def read(self, digest: str) -> bytes:
        try:
            return self._blobs[digest]
        except KeyError:
            raise FileNotFoundError(digest) from None

    async def write(self, digest: str, data: bytes) -> None:
        self._blobs[digest] = bytes(data)

    def local_path(self, digest: str) -> Path | None:
        return None

    async def stream(self, digest: str, offset: int, length: int) -> AsyncIterator[bytes]:
        data = self._blobs[digest]
        step = 1 << 20
        for start in range(offset, offset + length, step):
            yield data[start : min(start + step, offset + length)]

    async def delete(self, digest: str) -> None:
        self._blobs.pop(digest, None)

    async def start_upload(self, upload_id: str) -> None:
        self._uploads[upload_id] = bytearray()

    async def upload_size(self, upload_id: str) -> int | None:
        data = self._uploads.get(upload_id)
        return None if data is None else len(data)

    def upload_writer(self, upload_id: str) -> "MemoryUploadWriter":
        return MemoryUploadWriter(self._uploads[upload_id])

    async def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        yield bytes(self._uploads[upload_id])

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        self._blobs[digest] = bytes(self._uploads.pop(upload_id))

    async def abort_upload(self, upload_id: str) -> None:
        self._uploads.pop(upload_id, None)


class MemoryUploadWriter:
    def __init__(self, buffer: bytearray) -> None:
        self._buffer = buffer

    def append(self, chunk: bytes) -> None:
        self._buffer += chunk

    async def close(self) -> None:
        return None
