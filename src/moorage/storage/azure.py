"""Blobs in an Azure Blob Storage container, as block blobs.

Layout, distribution's prefix and blob paths as on S3:

    docker/registry/v2/blobs/<algorithm>/<hex[:2]>/<hex>/data   committed content
    docker/registry/v2/uploads/<key>/data                       an upload in progress

An upload is one block blob whose committed block list is every acknowledged byte: a PATCH
stages its bytes as blocks and then commits the blob's list with them appended (azure_uploads),
so the blob itself records the upload's state, any replica reads its size, and blocks a
replica staged but never committed (killed mid-PATCH) are invisible and dropped by the next
commit. Committing an upload copies the blob to its digest's key inside the service: a
reader finds the blob under a valid name only once the copy is complete.
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from azure.core import MatchConditions
from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from moorage.storage.azure_client import AzureCalls, AzureLocation
from moorage.storage.azure_uploads import AzureUploadWriter
from moorage.storage.base import Changed, StorageUnavailable, Swept

PREFIX = "docker/registry/v2/"
UPLOADS = PREFIX + "uploads/"
REDIRECT_LIFETIME = timedelta(minutes=20)  # as distribution's signed URLs
COPY_POLL = 0.2  # seconds between looks at a copy the service has not finished


def upload_blob(upload_id: str) -> str:
    return f"{UPLOADS}{upload_id}/data"


class AzureBlobStore:
    def __init__(self, location: AzureLocation) -> None:
        self._calls = AzureCalls(location)

    def _blob(self, digest: str) -> str:
        algorithm, _, hex_ = digest.partition(":")
        return f"{PREFIX}blobs/{algorithm}/{hex_[:2]}/{hex_}/data"

    async def exists(self, digest: str) -> bool:
        try:
            await self._calls.call(self._blob(digest), "get_blob_properties")
        except FileNotFoundError:
            return False
        return True

    async def read(self, digest: str) -> bytes:
        download = await self._calls.call(self._blob(digest), "download_blob")
        data: bytes = await self._calls.run(download.readall)
        return data

    async def write(self, digest: str, data: bytes) -> None:
        await self._calls.call(self._blob(digest), "upload_blob", data=data, overwrite=True)

    def local_path(self, digest: str) -> Path | None:
        return None

    def redirect_url(self, digest: str) -> str | None:
        location = self._calls.location
        blob = self._calls.container.get_blob_client(self._blob(digest))
        signature = generate_blob_sas(
            location.account_name,
            location.container,
            blob.blob_name,
            account_key=location.account_key,
            permission=BlobSasPermissions(read=True),
            expiry=datetime.now(UTC) + REDIRECT_LIFETIME,
        )
        return f"{blob.url}?{signature}"

    def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        return self._stream(self._blob(digest), offset, length)

    async def _stream(self, blob: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        if length <= 0:
            return
        download = await self._calls.call(blob, "download_blob", offset=offset, length=length)
        chunks = download.chunks()
        while chunk := await self._calls.run(next, chunks, b""):
            yield chunk

    async def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await self._calls.call(self._blob(digest), "delete_blob")

    # Uploads in progress ------------------------------------------------------

    async def start_upload(self, upload_id: str) -> None:
        await self._calls.call(upload_blob(upload_id), "commit_block_list", block_list=[])

    async def upload_size(self, upload_id: str) -> int | None:
        try:
            properties = await self._calls.call(upload_blob(upload_id), "get_blob_properties")
        except FileNotFoundError:
            return None
        size: int = properties.size
        return size

    def upload_writer(self, upload_id: str) -> AzureUploadWriter:
        return AzureUploadWriter(self._calls, upload_blob(upload_id))

    async def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        size = await self.upload_size(upload_id)
        if size is None:
            raise FileNotFoundError(upload_id)
        async for chunk in self._stream(upload_blob(upload_id), 0, size):
            yield chunk

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        source = self._calls.container.get_blob_client(upload_blob(upload_id))
        target = self._blob(digest)
        copied = await self._calls.call(target, "start_copy_from_url", source_url=source.url)
        status = copied["copy_status"]
        while status == "pending":
            await asyncio.sleep(COPY_POLL)
            status = (await self._calls.call(target, "get_blob_properties")).copy.status
        if status != "success":
            raise StorageUnavailable(
                f"copying upload {upload_id} to {target} in the Azure "
                f"{self._calls.location.describe()} ended {status}"
            )
        await self.abort_upload(upload_id)

    async def abort_upload(self, upload_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            await self._calls.call(upload_blob(upload_id), "delete_blob")

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        removed = freed = 0
        for blob in await self._calls.run(self._uploads):
            if blob.last_modified.timestamp() >= untouched_since:
                continue
            if await self._remove_unchanged(blob.name, blob.etag):
                removed += 1
                freed += blob.size
        return Swept(removed, freed)

    def _uploads(self) -> list[Any]:
        return list(self._calls.container.list_blobs(name_starts_with=UPLOADS))

    async def _remove_unchanged(self, name: str, etag: str) -> bool:
        """Whether this sweep removed blob `name` as listed; False when another sweep, a
        commit or an abort removed it first, or a PATCH wrote to it since."""
        try:
            await self._calls.call(
                name, "delete_blob", etag=etag, match_condition=MatchConditions.IfNotModified
            )
        except (FileNotFoundError, Changed):
            return False
        return True

    def close(self) -> None:
        self._calls.close()
