"""What only the azure driver does, against a real Azure Blob endpoint (Azurite): uploads
staged in whole blocks however small the client's PATCHes, signed redirect URLs, the cloud's
endpoints, and a wrong account key said in words. What every cloud driver does is in
test_cloud_drivers.py."""

import asyncio
import dataclasses
import os

import httpx
import pytest

from moorage.storage.azure import AzureBlobStore
from moorage.storage.azure_client import AzureLocation, make_client
from moorage.storage.base import StorageUnavailable
from tests.storage.test_blob_store_contract import append, collect, digest_of
from tests.support.azurite import Azurite

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


def test_a_wrong_account_key_is_refused_and_the_secret_key_named(location: AzureLocation) -> None:
    wrong = AzureBlobStore(dataclasses.replace(location, account_key="d3Jvbmcga2V5"))
    with pytest.raises(StorageUnavailable, match="REGISTRY_STORAGE_AZURE_ACCOUNTKEY"):
        asyncio.run(wrong.exists(digest_of(b"x")))
    wrong.close()
