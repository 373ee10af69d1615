"""What every cloud driver (s3, azure, gcs) does beyond the contract, each on its real emulator in
a bucket or container of the test's own: an upload one replica began is continued by another
with only the acknowledged bytes counted, blobs lie at distribution's paths, a busy store's
failures are retried and not counted as errors, a missing bucket is named, and an endpoint
nobody answers is unavailable, not missing. What only one driver does is in its own file."""

import asyncio
import dataclasses
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from moorage.observability.metrics import STORAGE_ERRORS, Metrics
from moorage.storage import BlobStore
from moorage.storage.azure import AzureBlobStore
from moorage.storage.azure_client import AzureLocation
from moorage.storage.azure_client import make_client as azure_client
from moorage.storage.base import StorageUnavailable
from moorage.storage.gcs import GcsBlobStore
from moorage.storage.gcs_client import GcsLocation
from moorage.storage.gcs_client import make_client as gcs_client
from moorage.storage.metered import MeteredBlobStore
from moorage.storage.s3 import S3BlobStore
from moorage.storage.s3_client import S3Location
from tests.storage.test_blob_store_contract import append, collect, digest_of
from tests.support.azurite import Azurite
from tests.support.connect_proxy import loopback_proxy
from tests.support.flaky import Flaky
from tests.support.gcs_emulator import GcsEmulator
from tests.support.moto import MotoServer
from tests.support.server import free_port

PROXY = "http://proxy-user:proxy-secret@proxy.example:3128"


@dataclass
class Cloud:
    """One driver on its emulator: stores made for a test, closed after it."""

    part: int  # the size the driver writes an upload in (S3's least: 5 MiB)
    emulator_port: int
    at: Callable[[str, str], BlobStore]  # a store on the test's bucket at a URL, via a proxy
    named: Callable[[str], BlobStore]  # a store on the bucket or container of this name
    names: Callable[[], list[str]]  # every object in the test's bucket
    made: list[BlobStore] = field(default_factory=list)

    def store(self, base_url: str = "", proxy: str = "") -> BlobStore:
        """A store on the test's bucket, as a replica has one; at `base_url` if given, and
        through the HTTP `proxy` if given."""
        base_url = base_url or f"http://127.0.0.1:{self.emulator_port}"
        self.made.append(self.at(base_url, proxy))
        return self.made[-1]

    def store_of(self, bucket: str) -> BlobStore:
        self.made.append(self.named(bucket))
        return self.made[-1]


def s3(moto: MotoServer) -> Cloud:
    location = moto.location(moto.new_bucket())

    def names() -> list[str]:
        client = moto.client()
        listed = client.list_objects_v2(Bucket=location.bucket)  # type: ignore[attr-defined]
        client.close()  # type: ignore[attr-defined]
        return [item["Key"] for item in listed.get("Contents", [])]

    return Cloud(
        part=location.chunk_size,
        emulator_port=moto.port,
        at=lambda url, proxy: S3BlobStore(dataclasses.replace(location, endpoint=url, proxy=proxy)),
        named=lambda bucket: S3BlobStore(moto.location(bucket)),
        names=names,
    )


def azure(azurite: Azurite) -> Cloud:
    location = azurite.location(azurite.new_container())

    def names() -> list[str]:
        container = azure_client(location)
        found = [blob.name for blob in container.list_blobs()]
        container.close()
        return found

    def at(url: str, proxy: str) -> BlobStore:
        where = f"{url}/{location.account_name}"
        return AzureBlobStore(dataclasses.replace(location, service_url=where, proxy=proxy))

    return Cloud(
        part=location.block_size,
        emulator_port=azurite.port,
        at=at,
        named=lambda container: AzureBlobStore(azurite.location(container)),
        names=names,
    )


def gcs(emulator: GcsEmulator) -> Cloud:
    location = emulator.location(emulator.new_bucket(), chunk_size=256 << 10)

    def names() -> list[str]:
        client = gcs_client(location)
        found = [blob.name for blob in client.bucket(location.bucket).list_blobs()]
        client.close()
        return found

    return Cloud(
        part=location.chunk_size,
        emulator_port=emulator.port,
        at=lambda url, proxy: GcsBlobStore(
            dataclasses.replace(location, emulator_host=url, proxy=proxy)
        ),
        named=lambda bucket: GcsBlobStore(emulator.location(bucket)),
        names=names,
    )


@pytest.fixture(params=["s3", "azure", "gcs"])
def cloud(request: pytest.FixtureRequest) -> Iterator[Cloud]:
    emulator = {"s3": "moto", "azure": "azurite", "gcs": "gcs"}[request.param]
    made = {"s3": s3, "azure": azure, "gcs": gcs}[request.param]
    opened = made(request.getfixturevalue(emulator))
    yield opened
    for store in opened.made:
        store.close()


def test_another_replica_continues_an_upload_and_unacknowledged_bytes_are_not_counted(
    cloud: Cloud,
) -> None:
    first, second = cloud.store(), cloud.store()
    data = os.urandom(3 * cloud.part + 999)
    acknowledged = cloud.part + 4321

    async def upload() -> None:
        await first.start_upload("u1")
        await append(first, "u1", data[:acknowledged])
        crashed = first.upload_writer("u1")  # a replica killed mid-PATCH: never closed
        crashed.append(os.urandom(cloud.part + 10))
        await crashed.drain()
        assert await second.upload_size("u1") == acknowledged
        await append(second, "u1", data[acknowledged:])
        assert await collect(second.read_upload("u1")) == data
        await second.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(first.read(digest_of(data))) == data


def test_blobs_are_kept_at_distributions_paths(cloud: Cloud) -> None:
    data = b"layer bytes"
    hex_ = digest_of(data).removeprefix("sha256:")
    asyncio.run(cloud.store().write(digest_of(data), data))
    assert cloud.names() == [f"docker/registry/v2/blobs/sha256/{hex_[:2]}/{hex_}/data"]


def test_transient_failures_are_retried_and_not_counted_as_errors(cloud: Cloud) -> None:
    metrics = Metrics()
    with Flaky(cloud.emulator_port, failures=2) as flaky:
        store = MeteredBlobStore(cloud.store(f"http://127.0.0.1:{flaky.server_port}"), metrics)
        asyncio.run(store.write(digest_of(b"x"), b"x"))
        # Only the write's own requests: a client that sends others unasked fails here.
        assert flaky.seen == 3, flaky.answers
        assert asyncio.run(store.read(digest_of(b"x"))) == b"x"
    assert metrics.samples[STORAGE_ERRORS.name] == {}


def test_a_missing_bucket_is_named_and_counted_as_a_storage_error(cloud: Cloud) -> None:
    metrics = Metrics()
    store = MeteredBlobStore(cloud.store_of("no-such-bucket"), metrics)
    with pytest.raises(StorageUnavailable, match=r"'no-such-bucket' .* does not exist"):
        asyncio.run(store.write(digest_of(b"x"), b"x"))
    assert metrics.samples[STORAGE_ERRORS.name] == {("write", "StorageUnavailable"): [1.0]}


def test_an_endpoint_nobody_answers_is_unavailable_not_missing(cloud: Cloud) -> None:
    store = cloud.store(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageUnavailable, match="cannot be used now"):
        asyncio.run(store.exists(digest_of(b"x")))


def test_an_endpoint_only_a_proxy_reaches_is_used_through_it(cloud: Cloud) -> None:
    """The endpoint's name resolves nowhere (RFC 2606 .invalid): only the proxy, which takes
    every name to loopback, reaches it."""
    hidden = f"http://store.moorage-test.invalid:{cloud.emulator_port}"
    with loopback_proxy() as proxy:
        store = cloud.store(hidden, proxy)
        asyncio.run(store.write(digest_of(b"proxied"), b"proxied"))
        assert asyncio.run(cloud.store().read(digest_of(b"proxied"))) == b"proxied"
    with pytest.raises(StorageUnavailable, match="cannot be used now"):
        asyncio.run(cloud.store(hidden).exists(digest_of(b"proxied")))


@pytest.mark.parametrize(
    "location",
    [
        S3Location("b", proxy=PROXY),
        AzureLocation("account", "container", proxy=PROXY),
        GcsLocation("b", proxy=PROXY),
    ],
)
def test_a_proxys_user_and_password_never_show_in_a_locations_repr(
    location: S3Location | AzureLocation | GcsLocation,
) -> None:
    assert "proxy-secret" not in repr(location) and "proxy-user" not in repr(location)
    assert "***@proxy.example:3128" in repr(location)
