"""What only the s3 driver does, against a real S3 endpoint (moto's server, which refuses
multipart parts under 5 MiB but the last, as S3 does): uploads in whole parts however small
the client's PATCHes, a chunk size changed mid-upload, the root directory, encryption and
signed redirect URLs. What every cloud driver does is in test_cloud_drivers.py."""

import asyncio
import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from moorage.storage.s3 import S3BlobStore
from moorage.storage.s3_client import S3Location
from tests.storage.test_blob_store_contract import append, collect, digest_of
from tests.support.moto import MotoServer

PART = 5 << 20


@pytest.fixture
def location(moto: MotoServer) -> S3Location:
    return moto.location(moto.new_bucket(), chunk_size=PART)


@pytest.fixture
def bucket(moto: MotoServer, location: S3Location) -> Iterator[Any]:
    """A plain boto3 client's view of the test's bucket: what is really in S3."""
    client = moto.client()
    yield lambda operation, **arguments: getattr(client, operation)(
        Bucket=location.bucket, **arguments
    )
    client.close()  # type: ignore[attr-defined]


def stores(location: S3Location, count: int) -> list[S3BlobStore]:
    """`count` stores on one bucket, as `count` replicas have."""
    return [S3BlobStore(location) for _ in range(count)]


def keys(bucket: Any, prefix: str = "") -> list[str]:
    return [item["Key"] for item in bucket("list_objects_v2", Prefix=prefix).get("Contents", [])]


def test_small_patches_add_up_to_whole_parts_and_a_valid_blob(
    location: S3Location, bucket: Any
) -> None:
    (store,) = stores(location, 1)
    data = os.urandom(2 * PART + 12345)
    step = 256 << 10
    patches = [data[start : start + step] for start in range(0, len(data), step)]

    async def upload() -> None:
        await store.start_upload("u1")
        for patch in patches:  # each its own PATCH: a writer, closed
            await append(store, "u1", patch)
        assert await store.upload_size("u1") == len(data)
        await store.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(collect(store.stream(digest_of(data), 0, len(data)))) == data
    assert keys(bucket, "docker/registry/v2/uploads/") == []
    assert bucket("list_multipart_uploads").get("Uploads", []) == []
    store.close()


def test_a_long_patch_sends_whole_parts_while_it_arrives(location: S3Location, bucket: Any) -> None:
    (store,) = stores(location, 1)

    async def three_parts_without_closing() -> None:
        await store.start_upload("u1")
        writer = store.upload_writer("u1")
        for _ in range(3 * PART // (1 << 20)):
            writer.append(os.urandom(1 << 20))
            await writer.drain()

    asyncio.run(three_parts_without_closing())
    (multipart,) = bucket("list_multipart_uploads")["Uploads"]
    parts = bucket("list_parts", Key=multipart["Key"], UploadId=multipart["UploadId"])["Parts"]
    assert [part["Size"] for part in parts] == [PART, PART, PART]
    store.close()


def test_a_patch_ending_a_parts_worth_past_the_last_part_sends_it_as_a_part(
    location: S3Location, bucket: Any
) -> None:
    before = S3BlobStore(dataclasses.replace(location, chunk_size=2 * PART))
    after = S3BlobStore(location)  # another replica, since chunkSizeMiB shrank
    data = os.urandom(3 * PART + 999)
    first = PART + PART // 2  # less than a part of `before`, more than S3's least

    async def upload() -> None:
        await before.start_upload("u1")
        await append(before, "u1", data[:first])
        (multipart,) = bucket("list_multipart_uploads")["Uploads"]
        listed = bucket("list_parts", Key=multipart["Key"], UploadId=multipart["UploadId"])
        assert [part["Size"] for part in listed["Parts"]] == [first]
        assert keys(bucket, "docker/registry/v2/uploads/u1/segments/") == []
        await append(after, "u1", data[first:])
        assert await after.upload_size("u1") == len(data)
        await after.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(after.read(digest_of(data))) == data
    before.close()
    after.close()


def test_blobs_are_kept_under_the_root_directory_at_distributions_paths(
    location: S3Location, bucket: Any
) -> None:
    store = S3BlobStore(dataclasses.replace(location, root_directory="/registry/"))
    data = b"layer bytes"
    hex_ = digest_of(data).removeprefix("sha256:")
    asyncio.run(store.write(digest_of(data), data))
    assert keys(bucket) == [f"registry/docker/registry/v2/blobs/sha256/{hex_[:2]}/{hex_}/data"]
    store.close()


@pytest.mark.parametrize(
    ("encrypt", "key_id", "expected"),
    [(True, "", "AES256"), (True, "alias/registry", "aws:kms"), (False, "alias/registry", None)],
)
def test_encrypt_and_key_id_encrypt_every_blob_however_it_was_written(
    location: S3Location, bucket: Any, encrypt: bool, key_id: str, expected: str | None
) -> None:
    store = S3BlobStore(dataclasses.replace(location, encrypt=encrypt, key_id=key_id))
    small, large = b"small", os.urandom(PART + 1)

    async def write_both() -> None:
        await store.write(digest_of(small), small)
        await store.start_upload("u1")
        await append(store, "u1", large)
        await store.commit_upload("u1", digest_of(large))

    asyncio.run(write_both())
    for key in keys(bucket):
        head = bucket("head_object", Key=key)
        assert head.get("ServerSideEncryption") == expected
        assert head.get("SSEKMSKeyId", "") == (key_id if encrypt else "")
    store.close()


def test_a_redirect_url_is_signed_and_the_plain_url_is_refused(location: S3Location) -> None:
    (store,) = stores(location, 1)
    data = b"signed"
    asyncio.run(store.write(digest_of(data), data))
    url = store.redirect_url(digest_of(data))
    assert url is not None and "X-Amz-Signature=" in url
    assert httpx.get(url).content == data
    assert httpx.get(url.partition("?")[0]).status_code == 403
    store.close()
