"""Blobs in a Google Cloud Storage bucket.

Layout, distribution's prefix and blob paths as on S3:

    docker/registry/v2/blobs/<algorithm>/<hex[:2]>/<hex>/data   committed content
    docker/registry/v2/uploads/<key>/state, parts/...           an upload (gcs_uploads.py)

A blob becomes visible in one step: an upload of the whole small content, or a compose of an
upload's parts into its object (in rounds of 32 parts, GCS's limit for one compose).
Redirect URLs are V4 signed URLs, made locally with the keyfile's service account; an
emulator has no such key, and the registry streams the bytes itself.
"""

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import timedelta
from pathlib import Path

from moorage.storage.base import Changed, Swept
from moorage.storage.gcs_client import RETRY, GcsCalls, GcsLocation
from moorage.storage.gcs_uploads import GcsUploadWriter, Upload, UploadState

PREFIX = "docker/registry/v2/"
UPLOADS = PREFIX + "uploads/"
READ_CHUNK = 4 << 20
COMPOSE_AT_MOST = 32
REDIRECT_LIFETIME = timedelta(minutes=20)  # as distribution's signed URLs


class GcsBlobStore:
    def __init__(self, location: GcsLocation) -> None:
        self._calls = GcsCalls(location)

    def _blob(self, digest: str) -> str:
        algorithm, _, hex_ = digest.partition(":")
        return f"{PREFIX}blobs/{algorithm}/{hex_[:2]}/{hex_}/data"

    def _upload(self, key: str) -> Upload:
        return Upload(self._calls, UPLOADS, key)

    async def exists(self, digest: str) -> bool:
        blob = self._calls.blob(self._blob(digest))
        found: bool = await self._calls.run(blob.exists, retry=RETRY)
        return found

    async def read(self, digest: str) -> bytes:
        return await self._calls.read(self._blob(digest))

    async def write(self, digest: str, data: bytes) -> None:
        await self._calls.write(self._blob(digest), data)

    def local_path(self, digest: str) -> Path | None:
        return None

    def redirect_url(self, digest: str) -> str | None:
        if not self._calls.signs:
            return None
        url: str = self._calls.blob(self._blob(digest)).generate_signed_url(
            version="v4", expiration=REDIRECT_LIFETIME, method="GET"
        )
        return url

    def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        return self._stream(self._blob(digest), offset, length)

    async def _stream(self, name: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        for start in range(offset, offset + length, READ_CHUNK):
            end = min(start + READ_CHUNK, offset + length) - 1
            yield await self._calls.read(name, start, end)

    async def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):  # already gone
            await self._calls.run(self._calls.blob(self._blob(digest)).delete, retry=RETRY)

    # Uploads in progress ------------------------------------------------------

    async def start_upload(self, upload_id: str) -> None:
        await self._upload(upload_id).save(UploadState())

    async def upload_size(self, upload_id: str) -> int | None:
        try:
            return (await self._upload(upload_id).load()).size
        except FileNotFoundError:
            return None

    def upload_writer(self, upload_id: str) -> GcsUploadWriter:
        return GcsUploadWriter(self._upload(upload_id), self._calls.location.chunk_size)

    async def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        for name, size in (await self._upload(upload_id).load()).parts:
            async for chunk in self._stream(name, 0, size):
                yield chunk

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        upload = self._upload(upload_id)
        parts = [name for name, _ in (await upload.load()).parts]
        if not parts:
            await self.write(digest, b"")
        else:
            await self._compose(upload, parts, self._blob(digest))
        await upload.remove()

    async def _compose(self, upload: Upload, parts: list[str], target: str) -> None:
        """Object `target` holds `parts` in order; past 32 parts, composed in rounds through
        objects of the upload's own."""
        round_ = 0
        while len(parts) > COMPOSE_AT_MOST:
            groups = [parts[i : i + COMPOSE_AT_MOST] for i in range(0, len(parts), COMPOSE_AT_MOST)]
            parts = [f"{upload.prefix}composed/{round_}-{n}" for n in range(len(groups))]
            for group, name in zip(groups, parts, strict=True):
                await self._compose_one(group, name)
            round_ += 1
        await self._compose_one(parts, target)

    async def _compose_one(self, sources: list[str], target: str) -> None:
        blobs = [self._calls.bucket.blob(name) for name in sources]
        await self._calls.run(self._calls.blob(target).compose, blobs, retry=RETRY)

    async def abort_upload(self, upload_id: str) -> None:
        await self._upload(upload_id).remove()

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        removed = freed = 0
        for blob in await self._calls.listing(UPLOADS):
            if not blob.name.endswith("/state") or blob.updated.timestamp() >= untouched_since:
                continue
            freed_here = await self._claim_and_remove(blob.name.split("/")[-2], blob.generation)
            if freed_here is not None:
                removed += 1
                freed += freed_here
        return Swept(removed, freed)

    async def _claim_and_remove(self, key: str, generation: int) -> int | None:
        """The bytes of upload `key` once this sweep removed it; None when another sweep, a
        commit or an abort took it first, or a PATCH wrote to it since it was listed. The
        claim is deleting the state as listed: one sweep's delete succeeds."""
        upload = self._upload(key)
        try:
            state = await upload.load()
            delete = self._calls.bucket.blob(upload.state).delete
            await self._calls.run(delete, if_generation_match=generation, retry=RETRY)
        except (FileNotFoundError, Changed):
            return None
        await upload.remove()
        return state.size

    def close(self) -> None:
        self._calls.close()
