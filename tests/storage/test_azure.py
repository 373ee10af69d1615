"""What the azure driver adds to the contract, against a real Azure Blob endpoint (Azurite):
uploads staged in whole blocks however small the client's PATCHes, every acknowledged byte
kept and found by another replica, the documented key layout, signed redirect URLs, and
storage failures said in words."""

import asyncio
import dataclasses
import os
import threading

import httpx
import pytest

from moorage.observability.metrics import STORAGE_ERRORS, Metrics
from moorage.storage.azure import AzureBlobStore
from moorage.storage.azure_client import AzureLocation, make_client
from moorage.storage.base import StorageUnavailable
from moorage.storage.metered import MeteredBlobStore
from tests.storage.test_blob_store_contract import append, collect, digest_of
from tests.storage.test_s3 import Flaky
from tests.support.azurite import Azurite
from tests.support.server import free_port

BLOCK = 1 << 20


@pytest.fixture
def location(azurite: Azurite) -> AzureLocation:
    return azurite.location(azurite.new_container(), block_size=BLOCK)


def names(location: AzureLocation, prefix: str = "") -> list[str]:
    """What is really in the container."""
    container = make_client(location)
    found = [blob.name for blob in container.list_blobs(name_starts_with=prefix)]
    container.close()
    return found


def test_small_patches_add_up_to_a_valid_blob_and_leave_no_upload(location: AzureLocation) -> None:
    store = AzureBlobStore(location)
    data = os.urandom(2 * BLOCK + 12345)
    step = 100 << 10

    async def upload() -> None:
        await store.start_upload("u1")
        for start in range(0, len(data), step):  # each its own PATCH: a writer, closed
            await append(store, "u1", data[start : start + step])
        assert await store.upload_size("u1") == len(data)
        await store.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(collect(store.stream(digest_of(data), 0, len(data)))) == data
    assert names(location, "docker/registry/v2/uploads/") == []
    store.close()


def test_a_long_patch_stages_whole_blocks_while_it_arrives(location: AzureLocation) -> None:
    store = AzureBlobStore(location)

    async def three_blocks_without_closing() -> None:
        await store.start_upload("u1")
        writer = store.upload_writer("u1")
        for _ in range(3):
            writer.append(os.urandom(BLOCK // 2))
            writer.append(os.urandom(BLOCK // 2))
            await writer.drain()

    asyncio.run(three_blocks_without_closing())
    blob = make_client(location).get_blob_client("docker/registry/v2/uploads/u1/data")
    committed, staged = blob.get_block_list("all")
    assert (committed, [block.size for block in staged]) == ([], [BLOCK, BLOCK, BLOCK])
    assert asyncio.run(store.upload_size("u1")) == 0  # nothing acknowledged yet
    store.close()


def test_another_replica_continues_an_upload_and_unacknowledged_bytes_are_not_counted(
    location: AzureLocation,
) -> None:
    first, second = AzureBlobStore(location), AzureBlobStore(location)
    data = os.urandom(3 * BLOCK + 999)
    acknowledged = BLOCK + 4321

    async def upload() -> None:
        await first.start_upload("u1")
        await append(first, "u1", data[:acknowledged])
        crashed = first.upload_writer("u1")  # a replica killed mid-PATCH: never closed
        crashed.append(os.urandom(BLOCK + 10))
        await crashed.drain()
        assert await second.upload_size("u1") == acknowledged
        await append(second, "u1", data[acknowledged:])
        assert await collect(second.read_upload("u1")) == data
        await second.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(first.read(digest_of(data))) == data
    first.close()
    second.close()


def test_blobs_are_kept_at_distributions_paths(location: AzureLocation) -> None:
    store = AzureBlobStore(location)
    data = b"layer bytes"
    hex_ = digest_of(data).removeprefix("sha256:")
    asyncio.run(store.write(digest_of(data), data))
    assert names(location) == [f"docker/registry/v2/blobs/sha256/{hex_[:2]}/{hex_}/data"]
    store.close()


def test_a_redirect_url_is_signed_and_the_plain_url_is_refused(location: AzureLocation) -> None:
    store = AzureBlobStore(location)
    data = b"signed"
    asyncio.run(store.write(digest_of(data), data))
    url = store.redirect_url(digest_of(data))
    assert url is not None and "sig=" in url and "sp=r" in url
    assert httpx.get(url).content == data
    assert httpx.get(url.partition("?")[0]).status_code == 403
    store.close()


def test_the_cloud_name_selects_the_endpoint_and_a_service_url_overrides_it() -> None:
    def endpoint(**fields: str) -> str:
        return AzureLocation("acct", "images", **fields).endpoint

    assert endpoint() == "https://acct.blob.core.windows.net"
    assert (
        endpoint(cloud_name="AzureUSGovernmentCloud") == "https://acct.blob.core.usgovcloudapi.net"
    )
    assert endpoint(cloud_name="AzureChinaCloud") == "https://acct.blob.core.chinacloudapi.cn"
    assert endpoint(cloud_name="AzureGermanCloud") == "https://acct.blob.core.cloudapi.de"
    assert endpoint(service_url="http://127.0.0.1:1/acct/") == "http://127.0.0.1:1/acct"


def test_the_account_key_never_shows_in_the_locations_repr(location: AzureLocation) -> None:
    assert location.account_key not in repr(location)
    assert repr(location) != repr(dataclasses.replace(location, account_key="rotated"))


def test_transient_failures_are_retried_and_not_counted_as_errors(
    azurite: Azurite, location: AzureLocation
) -> None:
    flaky = Flaky(azurite.port, failures=2)
    threading.Thread(target=flaky.serve_forever, daemon=True).start()
    metrics = Metrics()
    through = f"http://127.0.0.1:{flaky.server_port}/{location.account_name}"
    azure = AzureBlobStore(dataclasses.replace(location, service_url=through))
    store = MeteredBlobStore(azure, metrics)
    asyncio.run(store.write(digest_of(b"x"), b"x"))
    assert flaky.seen == 3, flaky.answers
    assert asyncio.run(store.read(digest_of(b"x"))) == b"x"
    assert metrics.samples[STORAGE_ERRORS.name] == {}
    flaky.shutdown()
    flaky.server_close()
    azure.close()


def test_a_missing_container_is_named_and_counted_as_a_storage_error(azurite: Azurite) -> None:
    metrics = Metrics()
    azure = AzureBlobStore(azurite.location("no-such-container"))
    store = MeteredBlobStore(azure, metrics)
    with pytest.raises(
        StorageUnavailable, match=r"container 'no-such-container' .* does not exist"
    ):
        asyncio.run(store.write(digest_of(b"x"), b"x"))
    assert metrics.samples[STORAGE_ERRORS.name] == {("write", "StorageUnavailable"): [1.0]}
    azure.close()


def test_a_wrong_account_key_is_refused_and_the_secret_key_named(location: AzureLocation) -> None:
    wrong = AzureBlobStore(dataclasses.replace(location, account_key="d3Jvbmcga2V5"))
    with pytest.raises(StorageUnavailable, match="REGISTRY_STORAGE_AZURE_ACCOUNTKEY"):
        asyncio.run(wrong.exists(digest_of(b"x")))
    wrong.close()


def test_an_endpoint_nobody_answers_is_unavailable_not_missing(location: AzureLocation) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/{location.account_name}"
    store = AzureBlobStore(dataclasses.replace(location, service_url=nowhere))
    with pytest.raises(StorageUnavailable, match="cannot be used now"):
        asyncio.run(store.exists(digest_of(b"x")))
    store.close()
