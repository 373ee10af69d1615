"""The contract every blob storage driver fulfils.

Content is addressed by digest string and written once. An upload is a
growing byte sequence under an opaque id; `commit_upload` makes it visible
under a digest atomically (the caller has verified the digest already), so a
reader never sees a partial blob under a valid name.
"""

from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Swept:
    """What removing stale uploads freed."""

    uploads: int
    bytes: int


class StorageUnavailable(Exception):
    """The blob storage cannot answer now (unreachable, refusing credentials, no bucket):
    the message says what to check. The registry answers 503 UNAVAILABLE."""

    retry_after_seconds = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Changed(Exception):
    """A conditional request to the storage lost: the object was written, created or removed
    meanwhile (how sweeps on several replicas remove each stale upload once)."""


class BlobStore(Protocol):
    async def exists(self, digest: str) -> bool: ...

    async def read(self, digest: str) -> bytes:
        """The whole content: for small blobs such as manifests and configs."""
        ...

    async def write(self, digest: str, data: bytes) -> None:
        """Store small content atomically (already verified by the caller)."""
        ...

    def local_path(self, digest: str) -> Path | None:
        """A file the HTTP layer may sendfile from, or None when the driver has none."""
        ...

    def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]: ...

    def redirect_url(self, digest: str) -> str | None:
        """A short-lived URL a client may fetch the content from itself (a signed URL), or
        None when the driver has none. Made locally: no storage call."""
        ...

    async def delete(self, digest: str) -> None: ...

    # Uploads in progress.
    async def start_upload(self, upload_id: str) -> None: ...

    async def upload_size(self, upload_id: str) -> int | None:
        """Bytes received so far, or None when there is no such upload."""
        ...

    def upload_writer(self, upload_id: str) -> "UploadWriter": ...

    def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        """The upload's bytes, to verify them before it is committed or aborted: a driver
        may seal the upload to read it (S3), so nothing more is appended after this."""
        ...

    async def commit_upload(self, upload_id: str, digest: str) -> None: ...

    async def abort_upload(self, upload_id: str) -> None: ...

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        """Remove every upload last written before `untouched_since` (epoch seconds).

        Safe beside other processes sweeping the same uploads and beside live
        uploads: one written since then is kept, whenever it was started.
        """
        ...

    def close(self) -> None:
        """Release what the store holds (connections, threads); it is not used after."""
        ...


class UploadWriter(Protocol):
    """Appends to an upload; `close` makes the appended bytes durable.

    `append` may run on a thread and only buffers or writes locally; `drain`, awaited between
    appends, lets a driver send what has accumulated (S3 parts), so it holds a bounded amount.
    """

    def append(self, chunk: bytes) -> None: ...

    async def drain(self) -> None: ...

    async def close(self) -> None: ...
