"""Blobs in process memory: the emptyDir behaviour, everything gone on restart."""

import time
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from moorage.storage.base import Swept


class MemoryBlobStore:
    def __init__(self) -> None:
        self._blobs: dict[str, bytes] = {}
        self._uploads: dict[str, MemoryUpload] = {}

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

    def redirect_url(self, digest: str) -> str | None:
        return None

    async def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        data = self._blobs[digest]
        step = 1 << 20
        for start in range(offset, offset + length, step):
            yield data[start : min(start + step, offset + length)]

    async def delete(self, digest: str) -> None:
        self._blobs.pop(digest, None)

    async def start_upload(self, upload_id: str) -> None:
        self._uploads[upload_id] = MemoryUpload()

    async def upload_size(self, upload_id: str) -> int | None:
        upload = self._uploads.get(upload_id)
        return None if upload is None else len(upload.data)

    def upload_writer(self, upload_id: str) -> "MemoryUpload":
        return self._uploads[upload_id]

    async def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        yield bytes(self._uploads[upload_id].data)

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        self._blobs[digest] = bytes(self._uploads.pop(upload_id).data)

    async def abort_upload(self, upload_id: str) -> None:
        self._uploads.pop(upload_id, None)

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        stale = [key for key, upload in self._uploads.items() if upload.touched < untouched_since]
        freed = sum(len(self._uploads.pop(key).data) for key in stale)
        return Swept(len(stale), freed)

    def close(self) -> None:
        pass  # the bytes live as long as the process


class MemoryUpload:
    """An upload's bytes and when they last grew; it is its own writer."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.touched = time.time()

    def append(self, chunk: bytes) -> None:
        self.data += chunk
        self.touched = time.time()

    async def drain(self) -> None:
        return None

    async def close(self) -> None:
        return None
