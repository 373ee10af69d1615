"""What only the gcs driver does, against a real GCS endpoint (gcp-storage-emulator): uploads
written in whole parts however small the client's PATCHes and composed inside GCS, and signed
redirect URLs with a service account's key (none on the emulator). What every cloud driver
does is in test_cloud_drivers.py."""

import asyncio
import dataclasses
import json
import os
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.cloud import storage

from moorage.storage.gcs import GcsBlobStore
from moorage.storage.gcs_client import GcsLocation, make_client
from tests.storage.test_blob_store_contract import append, collect, digest_of
from tests.support.gcs_emulator import GcsEmulator

PART = 256 << 10


@pytest.fixture
def location(gcs: GcsEmulator) -> GcsLocation:
    return gcs.location(gcs.new_bucket(), chunk_size=PART)


@pytest.fixture
def bucket(location: GcsLocation) -> Iterator[storage.Bucket]:
    """A plain client's view of the test's bucket: what is really in GCS."""
    client = make_client(location)
    yield client.bucket(location.bucket)
    client.close()


def names(bucket: storage.Bucket, prefix: str = "") -> list[str]:
    return [blob.name for blob in bucket.list_blobs(prefix=prefix)]


def test_small_patches_add_up_to_a_valid_blob_and_leave_no_upload(
    location: GcsLocation, bucket: storage.Bucket
) -> None:
    store = GcsBlobStore(location)
    data = os.urandom(2 * PART + 12345)
    step = 50 << 10

    async def upload() -> None:
        await store.start_upload("u1")
        for start in range(0, len(data), step):  # each its own PATCH: a writer, closed
            await append(store, "u1", data[start : start + step])
        assert await store.upload_size("u1") == len(data)
        await store.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(collect(store.stream(digest_of(data), 0, len(data)))) == data
    assert names(bucket, "docker/registry/v2/uploads/") == []
    store.close()


def test_more_parts_than_one_compose_takes_are_composed_in_rounds(location: GcsLocation) -> None:
    store = GcsBlobStore(dataclasses.replace(location, chunk_size=1024))
    data = os.urandom(70 * 1024 + 1)

    async def upload() -> None:
        await store.start_upload("u1")
        await append(store, "u1", data)
        await store.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(store.read(digest_of(data))) == data
    store.close()


def test_a_long_patch_writes_whole_parts_while_it_arrives(
    location: GcsLocation, bucket: storage.Bucket
) -> None:
    store = GcsBlobStore(location)

    async def three_parts_without_closing() -> None:
        await store.start_upload("u1")
        writer = store.upload_writer("u1")
        for _ in range(3):
            writer.append(os.urandom(PART // 2))
            writer.append(os.urandom(PART // 2))
            await writer.drain()

    asyncio.run(three_parts_without_closing())
    parts = list(bucket.list_blobs(prefix="docker/registry/v2/uploads/u1/parts/"))
    assert [part.size for part in parts] == [PART, PART, PART]
    assert asyncio.run(store.upload_size("u1")) == 0  # nothing acknowledged yet
    store.close()


def service_account_keyfile() -> str:
    """A service account's JSON key, as REGISTRY_STORAGE_GCS_KEYFILE holds one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return json.dumps(
        {
            "type": "service_account",
            "project_id": "registry-project",
            "private_key_id": "1",
            "private_key": pem.decode(),
            "client_email": "registry@registry-project.iam.gserviceaccount.com",
            "token_uri": "https://oauth2.googleapis.com/token",
        }
    )


def test_a_redirect_url_is_signed_with_the_keyfile_and_made_without_a_call() -> None:
    store = GcsBlobStore(GcsLocation("images", keyfile=service_account_keyfile()))
    url = store.redirect_url(digest_of(b"x"))
    assert url is not None
    assert url.startswith("https://storage.googleapis.com/images/docker/registry/v2/blobs/")
    assert "X-Goog-Signature=" in url and "X-Goog-Expires=1200" in url
    store.close()


def test_the_emulator_cannot_sign_so_blobs_are_streamed(location: GcsLocation) -> None:
    store = GcsBlobStore(location)
    assert store.redirect_url(digest_of(b"x")) is None
    store.close()


def test_the_keyfile_never_shows_in_the_locations_repr() -> None:
    location = GcsLocation("images", keyfile=service_account_keyfile())
    assert "PRIVATE KEY" not in repr(location)
