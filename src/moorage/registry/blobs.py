"""Blobs: reading what a repository links, uploading, mounting, unlinking.

A blob becomes visible in a repository only after its bytes were verified
against the digest the client named and committed to the blob store.
"""

import asyncio
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from moorage.content.digest import Digest
from moorage.content.errors import (
    BlobUnknown,
    BlobUploadUnknown,
    DigestInvalid,
    NameUnknown,
    RangeInvalid,
)
from moorage.registry.blob_claims import bytes_stored, collected_meanwhile
from moorage.registry.ingest import ingest
from moorage.registry.policy import PushPolicy
from moorage.registry.uploads import HashStates, UploadIds
from moorage.storage import BlobStore
from moorage.storage.full import out_of_space
from moorage.store.errors import Forbidden
from moorage.store.registry_metadata import RegistryMetadata


@dataclass(frozen=True, slots=True)
class BlobContent:
    digest: str
    size: int
    path: Path | None  # a local file to sendfile from, when the driver has one


class BlobService:
    def __init__(
        self,
        store: BlobStore,
        metadata: RegistryMetadata,
        upload_ids: UploadIds,
        policy: PushPolicy,
    ) -> None:
        self._store = store
        self._policy = policy
        self._metadata = metadata
        self._ids = upload_ids
        self._hashes = HashStates()
        self.served = 0  # blobs found here on HEAD or GET, for the pull-through's cache metric

    # Reading ---------------------------------------------------------------

    def size(self, repository: str, digest: str) -> int:
        Digest.parse(digest)
        size = self._metadata.blob_size(repository, digest)
        if size is None:
            raise BlobUnknown(
                f"blob {digest} is not in repository {repository}", {"digest": digest}
            )
        self.served += 1
        return size

    def content(self, repository: str, digest: str) -> BlobContent:
        size = self.size(repository, digest)
        return BlobContent(digest, size, self._store.local_path(digest))

    def redirect_url(self, digest: str) -> str | None:
        return self._store.redirect_url(digest)

    def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        return self._store.stream(digest, offset, length)

    async def unlink(self, repository: str, digest: str) -> None:
        Digest.parse(digest)
        if not await asyncio.to_thread(self._metadata.unlink_blob, repository, digest):
            raise BlobUnknown(
                f"blob {digest} is not in repository {repository}", {"digest": digest}
            )

    async def adopt(
        self, repository: str, digest: str, size: int, body: AsyncIterator[bytes]
    ) -> None:
        """Store bytes already verified against `digest` (fetched by the pull-through) and
        link them in `repository`; bytes stored already are linked, not written again.
        NameUnknown when the repository went meanwhile: it is not made again."""
        if not self._metadata.repository_exists(repository):
            raise NameUnknown(f"repository {repository} is not known", {"name": repository})
        linking = partial(self._metadata.link_blob, repository, digest, create=False)
        if await bytes_stored(self._metadata, digest) and await asyncio.to_thread(linking):
            return
        _, key = self._ids.new(repository)
        await self._store.start_upload(key)
        async with self._dropped_when_full(key):
            writer = self._store.upload_writer(key)
            try:
                await ingest(body, writer, None)
            finally:
                await writer.close()
            await self._keep(repository, key, digest, size, create=False)

    # Uploading -------------------------------------------------------------

    async def start_upload(
        self, repository: str, mount: tuple[str, str] | None = None
    ) -> str | None:
        """A new upload's id; or, given (digest, source repository) that `source` links,
        None once that blob is mounted here instead."""
        self._policy.check_push(repository)
        if mount is not None and await self._mount(repository, *mount):
            return None
        upload_id, key = self._ids.new(repository)
        await self._store.start_upload(key)
        return upload_id

    async def _mount(self, repository: str, digest: str, source: str) -> bool:
        """Link a blob `source` already links; False when it has no such blob, or the
        collector is deleting it (the client then uploads it)."""
        if self._metadata.blob_size(source, digest) is None:
            return False
        return await asyncio.to_thread(self._metadata.link_blob, repository, digest)

    async def upload_size(self, repository: str, upload_id: str) -> int:
        key = self._ids.verify(repository, upload_id)
        return await self._current_size(key)

    async def append(
        self,
        repository: str,
        upload_id: str,
        body: AsyncIterator[bytes],
        start: int | None = None,
    ) -> int:
        """Append `body` to the upload; `start`, when given, must be where it stands."""
        key = self._ids.verify(repository, upload_id)
        async with self._dropped_when_full(key):
            return await self._append(key, body, start)

    async def finish(
        self,
        repository: str,
        upload_id: str,
        digest: str,
        body: AsyncIterator[bytes],
        start: int | None = None,
    ) -> int:
        """Append the last bytes, verify the whole upload against `digest`, and link it."""
        wanted = Digest.parse(digest)
        key = self._ids.verify(repository, upload_id)
        async with self._dropped_when_full(key):
            return await self._finish(repository, key, wanted, body, start)

    async def _finish(
        self,
        repository: str,
        key: str,
        wanted: Digest,
        body: AsyncIterator[bytes],
        start: int | None,
    ) -> int:
        digest = str(wanted)
        size = await self._append(key, body, start)
        actual = await self._digest_of(key, wanted.algorithm, size)
        if actual != wanted.hex:
            self._hashes.forget(key)
            await self._store.abort_upload(key)
            raise DigestInvalid(f"uploaded content does not match digest {digest}")
        self._hashes.forget(key)
        await self._keep(repository, key, digest, size)
        return size

    async def _keep(
        self, repository: str, key: str, digest: str, size: int, create: bool = True
    ) -> None:
        """Link the stored copy when there is one (this upload goes), else store this one;
        `create`: make the repository if it is not there (else NameUnknown). Bytes stored
        for a link that is refused (a quota) are left to the collector."""
        linking = partial(self._metadata.link_blob, repository, digest, create=create)
        while await bytes_stored(self._metadata, digest):
            try:
                linked = await asyncio.to_thread(linking)
            except Forbidden:
                await self._store.abort_upload(key)
                raise
            if linked:
                await self._store.abort_upload(key)
                return
        await self._store.commit_upload(key, digest)
        try:
            linked = await asyncio.to_thread(linking, size)
        except Forbidden:
            await asyncio.to_thread(self._metadata.keep_unlinked, digest, size)
            raise
        if not linked:
            raise collected_meanwhile(digest)

    async def cancel(self, repository: str, upload_id: str) -> None:
        key = self._ids.verify(repository, upload_id)
        await self._current_size(key)
        self._hashes.forget(key)
        await self._store.abort_upload(key)

    @asynccontextmanager
    async def _dropped_when_full(self, key: str) -> AsyncIterator[None]:
        """An upload the disk could not hold goes at once: its bytes would keep the disk full."""
        try:
            yield
        except OSError as exc:
            if out_of_space(exc):
                self._hashes.forget(key)
                await self._store.abort_upload(key)
            raise

    async def _current_size(self, key: str) -> int:
        size = await self._store.upload_size(key)
        if size is None:
            raise BlobUploadUnknown("unknown upload")
        return size

    async def _append(self, key: str, body: AsyncIterator[bytes], start: int | None) -> int:
        size = await self._current_size(key)
        if start is not None and start != size:
            raise RangeInvalid(f"chunk starts at {start}, upload is at {size}", size)
        hasher = self._hashes.take(key, size)
        writer = self._store.upload_writer(key)
        try:
            size += await ingest(body, writer, hasher)
        finally:
            await writer.close()
        if hasher is not None:
            self._hashes.keep(key, hasher, size)
        return size

    async def _digest_of(self, key: str, algorithm: str, size: int) -> str:
        hasher = self._hashes.take(key, size) if algorithm == "sha256" else None
        if hasher is None:  # another worker saw the bytes: hash them again, off the loop
            hasher = hashlib.new(algorithm)
            async for chunk in self._store.read_upload(key):
                await asyncio.to_thread(hasher.update, chunk)
        return hasher.hexdigest()
