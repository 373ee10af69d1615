"""A blob store that times every operation of the one it wraps and counts its failures
(`imageregistry_storage_duration_seconds`, `imageregistry_storage_errors_total`)."""

import errno
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable
from pathlib import Path
from typing import TypeVar

from moorage.observability.metrics import STORAGE_DURATION, STORAGE_ERRORS, Metrics
from moorage.storage.base import BlobStore, Swept, UploadWriter

T = TypeVar("T")


def error_code(exc: BaseException) -> str:
    """An OSError's errno name (ENOENT, ENOSPC), else the exception's class name."""
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno in errno.errorcode:
        return errno.errorcode[exc.errno]
    return type(exc).__name__


class MeteredBlobStore:
    def __init__(self, store: BlobStore, metrics: Metrics) -> None:
        self._store = store
        self._metrics = metrics

    async def _timed(self, operation: str, work: Awaitable[T]) -> T:
        started = time.perf_counter()
        try:
            return await work
        except Exception as exc:
            self._metrics.inc(STORAGE_ERRORS, (operation, error_code(exc)))
            raise
        finally:
            self._metrics.observe(STORAGE_DURATION, (operation,), time.perf_counter() - started)

    async def _timed_stream(
        self, operation: str, chunks: AsyncIterator[bytes]
    ) -> AsyncGenerator[bytes, None]:
        started = time.perf_counter()
        try:
            async for chunk in chunks:
                yield chunk
        except Exception as exc:
            self._metrics.inc(STORAGE_ERRORS, (operation, error_code(exc)))
            raise
        finally:
            self._metrics.observe(STORAGE_DURATION, (operation,), time.perf_counter() - started)

    async def exists(self, digest: str) -> bool:
        return await self._timed("exists", self._store.exists(digest))

    async def read(self, digest: str) -> bytes:
        return await self._timed("read", self._store.read(digest))

    async def write(self, digest: str, data: bytes) -> None:
        await self._timed("write", self._store.write(digest, data))

    def local_path(self, digest: str) -> Path | None:
        return self._store.local_path(digest)

    def redirect_url(self, digest: str) -> str | None:
        return self._store.redirect_url(digest)

    def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        return self._timed_stream("stream", self._store.stream(digest, offset, length))

    async def delete(self, digest: str) -> None:
        await self._timed("delete", self._store.delete(digest))

    async def start_upload(self, upload_id: str) -> None:
        await self._timed("start_upload", self._store.start_upload(upload_id))

    async def upload_size(self, upload_id: str) -> int | None:
        return await self._timed("upload_size", self._store.upload_size(upload_id))

    def upload_writer(self, upload_id: str) -> UploadWriter:
        return _MeteredWriter(self._store.upload_writer(upload_id), self)

    def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        return self._timed_stream("read_upload", self._store.read_upload(upload_id))

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        await self._timed("commit_upload", self._store.commit_upload(upload_id, digest))

    async def abort_upload(self, upload_id: str) -> None:
        await self._timed("abort_upload", self._store.abort_upload(upload_id))

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        swept = self._store.remove_stale_uploads(untouched_since)
        return await self._timed("remove_stale_uploads", swept)

    def close(self) -> None:
        self._store.close()


class _MeteredWriter:
    """Appends are buffered writes; `drain` and `close`, which send and keep them, are timed."""

    def __init__(self, writer: UploadWriter, store: MeteredBlobStore) -> None:
        self._writer = writer
        self._store = store

    def append(self, chunk: bytes) -> None:
        self._writer.append(chunk)

    async def drain(self) -> None:
        await self._store._timed("drain_upload", self._writer.drain())

    async def close(self) -> None:
        await self._store._timed("close_upload", self._writer.close())
