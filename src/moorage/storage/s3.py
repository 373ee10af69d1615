"""Blobs in an S3 bucket (AWS, or an S3-compatible store at regionEndpoint).

Layout under `<rootDirectory>/docker/registry/v2/` (distribution's own prefix, and its
blob paths, so a bucket reads familiarly):

    blobs/<algorithm>/<hex[:2]>/<hex>/data   committed content, immutable
    uploads/<key>/state                      an upload in progress (see s3_uploads.py)
    uploads/<key>/segments/<offset>          its bytes past the last whole part
    uploads/<key>/data                       its multipart upload, then its sealed bytes

A blob becomes visible in one step: a PUT of the whole small content, or a server-side
copy of a sealed upload to its blob key (multipart copy past 5 GiB); a reader never sees
a partial blob under a valid name.
"""

from collections.abc import AsyncGenerator, AsyncIterator
from pathlib import Path

from boto3.s3.transfer import TransferConfig
from botocore.response import StreamingBody

from moorage.storage.base import Swept
from moorage.storage.s3_client import PreconditionFailed, S3Calls, S3Location
from moorage.storage.s3_uploads import S3UploadWriter, Upload, UploadKeys, UploadState

READ_CHUNK = 1 << 20
COPY_IN_ONE = 5 << 30  # CopyObject's limit; larger blobs are copied in parts
REDIRECT_LIFETIME = 20 * 60  # seconds a signed blob URL works, as distribution's


class S3BlobStore:
    def __init__(self, location: S3Location) -> None:
        self._calls = S3Calls(location)
        self._chunk_size = location.chunk_size
        root = location.root_directory.strip("/")
        self._prefix = f"{root}/docker/registry/v2/" if root else "docker/registry/v2/"
        self._copying = TransferConfig(multipart_threshold=COPY_IN_ONE, use_threads=False)

    def _blob(self, digest: str) -> str:
        algorithm, _, hex_ = digest.partition(":")
        return f"{self._prefix}blobs/{algorithm}/{hex_[:2]}/{hex_}/data"

    def _upload(self, key: str) -> Upload:
        return Upload(self._calls, UploadKeys(self._prefix, key))

    async def exists(self, digest: str) -> bool:
        try:
            await self._calls.call("head_object", Key=self._blob(digest))
        except FileNotFoundError:
            return False
        return True

    async def read(self, digest: str) -> bytes:
        answer = await self._calls.call("get_object", Key=self._blob(digest))
        return await self._calls.run(answer["Body"].read)

    async def write(self, digest: str, data: bytes) -> None:
        await self._calls.call("put_object", Key=self._blob(digest), Body=data)

    def local_path(self, digest: str) -> Path | None:
        return None

    def redirect_url(self, digest: str) -> str | None:
        cloud_front = self._calls.location.cloud_front
        if cloud_front is not None:
            return cloud_front.signed_url(self._blob(digest))
        url: str = self._calls.client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._calls.location.bucket, "Key": self._blob(digest)},
            ExpiresIn=REDIRECT_LIFETIME,
        )
        return url

    async def stream(self, digest: str, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        if length <= 0:
            return
        span = f"bytes={offset}-{offset + length - 1}"
        answer = await self._calls.call("get_object", Key=self._blob(digest), Range=span)
        async for chunk in self._chunks(answer["Body"]):
            yield chunk

    async def _chunks(self, body: StreamingBody) -> AsyncIterator[bytes]:
        try:
            while chunk := await self._calls.run(body.read, READ_CHUNK):
                yield chunk
        finally:
            body.close()

    async def delete(self, digest: str) -> None:
        await self._calls.call("delete_object", Key=self._blob(digest))

    # Uploads in progress ------------------------------------------------------

    async def start_upload(self, upload_id: str) -> None:
        await self._upload(upload_id).save(UploadState())

    async def upload_size(self, upload_id: str) -> int | None:
        try:
            return (await self._upload(upload_id).load()).size
        except FileNotFoundError:
            return None

    def upload_writer(self, upload_id: str) -> S3UploadWriter:
        return S3UploadWriter(self._upload(upload_id), self._chunk_size)

    async def read_upload(self, upload_id: str) -> AsyncIterator[bytes]:
        upload = self._upload(upload_id)
        await upload.seal(await upload.load())
        answer = await self._calls.call("get_object", Key=upload.keys.data)
        async for chunk in self._chunks(answer["Body"]):
            yield chunk

    async def commit_upload(self, upload_id: str, digest: str) -> None:
        upload = self._upload(upload_id)
        state = await upload.load()
        if not state.sealed and state.multipart is None:  # small: every byte in segments
            await self.write(digest, await upload.segment_bytes(state))
        else:
            await upload.seal(state)
            await self._copy(upload.keys.data, self._blob(digest))
        await upload.remove()

    async def _copy(self, source: str, target: str) -> None:
        bucket = self._calls.location.bucket
        await self._calls.run(
            self._calls.client.copy,
            {"Bucket": bucket, "Key": source},
            bucket,
            target,
            ExtraArgs=self._calls.encryption,
            Config=self._copying,
        )

    async def abort_upload(self, upload_id: str) -> None:
        await self._upload(upload_id).remove()

    async def remove_stale_uploads(self, untouched_since: float) -> Swept:
        removed = freed = 0
        for item in await self._calls.listing(self._prefix + "uploads/"):
            key = item["Key"]
            if not key.endswith("/state") or item["LastModified"].timestamp() >= untouched_since:
                continue
            freed_here = await self._claim_and_remove(key.split("/")[-2])
            if freed_here is not None:
                removed += 1
                freed += freed_here
        return Swept(removed, freed)

    async def _claim_and_remove(self, key: str) -> int | None:
        """The bytes of upload `key` once this sweep removed it; None when another sweep,
        a commit or an abort took it first. The claim is a create-only PUT: one wins."""
        upload = self._upload(key)
        claim = upload.keys.prefix + "swept"
        try:
            await self._calls.call("put_object", Key=claim, Body=b"", IfNoneMatch="*")
        except PreconditionFailed:
            return None
        try:
            state = await upload.load()
        except FileNotFoundError:  # removed before our claim: the claim is all that is left
            await self._calls.call("delete_object", Key=claim)
            return None
        await upload.remove()
        return state.size

    def close(self) -> None:
        self._calls.close()
