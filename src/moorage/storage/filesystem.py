"""Blobs as files on a local filesystem (a host directory or a mounted volume).

Layout under the root:

    blobs/<algorithm>/<hex[:2]>/<hex>   committed content, immutable
    uploads/<upload id>                 bytes of an upload in progress
    tmp/<random>                        small writes on their way to blobs/

Every file reaches blobs/ by rename after fsync, and the directory is synced
after the rename: a crash leaves the old state or the new one, never a
truncated blob under a valid name.
"""

import asyncio
import os
import secrets
from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from moorage.storage.base import Swept
from moorage.storage.writeback import start_writeback

READ_CHUNK = 1 << 20
WRITEBACK_STEP = 8 << 20


class FilesystemBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("blobs", "uploads", "tmp"):
            (root / sub).mkdir(parents=True, exist_ok=True)

    def _path(self, digest: str) -> Path:
        algorithm, _, hex_ = digest.partition(":")
        return self.root / "blobs" / algorithm / hex_[:2] / hex_

    def _upload(self, upload_id: str) -> Path:
        return self.root / "uploads" / upload_id

    async def exists(self, digest: str) -> bool:
        return self._path(digest).is_file()

    async def read(self, digest: str) -> bytes:
        return await asyncio.to_thread(self._path(digest).read_bytes)

    async def write(self, digest: str, data: bytes) -> None:
        tmp = self.root / "tmp" / secrets.token_hex(16)
        try:
            await asyncio.to_thread(_write_durably, tmp, data)
            await asyncio.to_thread(_publish, tmp, self._path(digest))
        except BaseException:
            tmp.unlink(missing_ok=True)  # a partial file would hold its space until restart
            raise

    def local_path(self, digest: str) -> Path | None:
        return self._path(digest)

    def redirect_url(self, digest: str) -> str | None:
        return None

    async def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        with self._path(digest).open("rb") as f:
            f.seek(offset)
            while length > 0:
                chunk = f.read(min(READ_CHUNK, length))
                if not chunk:
                    return
                length -= len(chunk)
                yield chunk

    async def delete(self, digest: str) -> None:
        self._path(digest).unlink(missing_ok=True)

    async def start_upload(self, upload_id: str) -> None:
        self._upload(upload_id).touch(exist_ok=False)

    async def upload_size(self, upload_id: str) -> int | None:
        try:
            return self._upload(upload_id).stat().st_size
        except FileNotFoundError:
            return None

    def upload_writer(self, upload_id: str) -> "FileUploadWriter":
        return FileUploadWriter(self._upload(upload_id))

    async def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        with self._upload(upload_id).open("rb") as f:
            while chunk := await asyncio.to_thread(f.read, READ_CHUNK):
                yield chunk

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        source = self._upload(upload_id)
        await asyncio.to_thread(_fsync_file, source)
        await asyncio.to_thread(_publish, source, self._path(digest))

    async def abort_upload(self, upload_id: str) -> None:
        self._upload(upload_id).unlink(missing_ok=True)

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        return await asyncio.to_thread(_remove_stale, self.root / "uploads", untouched_since)

    def close(self) -> None:
        pass  # nothing held between calls


class FileUploadWriter:
    """Appends in the event loop (page-cache writes are fast); fsync waits for commit."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("ab", buffering=0)
        self._written = self._file.tell()
        self._queued = self._written  # bytes before this offset are queued for writeback

    def append(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[self._file.write(view) :]
        self._written += len(chunk)
        if self._written - self._queued >= WRITEBACK_STEP:
            start_writeback(self._file.fileno(), self._queued, self._written - self._queued)
            self._queued = self._written

    async def drain(self) -> None:
        return None

    async def close(self) -> None:
        self._file.close()


def _write_durably(path: Path, data: bytes) -> None:
    with path.open("wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale(uploads: Path, untouched_since: float) -> Swept:
    removed = freed = 0
    with os.scandir(uploads) as entries:
        for entry in entries:
            try:
                stat = entry.stat()
                if stat.st_mtime >= untouched_since:
                    continue
                os.unlink(entry.path)
            except FileNotFoundError:
                continue  # committed, aborted or swept by another worker meanwhile
            removed += 1
            freed += stat.st_size
    return Swept(removed, freed)


def _publish(source: Path, target: Path) -> None:
    """Rename a durable file into place and make the rename itself durable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, target)
    fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
