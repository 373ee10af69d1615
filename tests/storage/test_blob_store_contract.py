"""The contract every BlobStore driver fulfils: one suite, run against each driver.

s3 runs against a real S3 endpoint (moto's server), a bucket of its own per test; azure
against a real Azure Blob endpoint (Azurite), a container of its own per test; gcs
against a real GCS endpoint (gcp-storage-emulator), a bucket of its own per test.
Coroutines run under asyncio.run inside the tests; no async test plugin needed.
"""

import asyncio
import hashlib
import os
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from moorage.observability.metrics import Metrics
from moorage.storage import BlobStore, open_blob_store
from moorage.storage.azure import AzureBlobStore
from moorage.storage.azure_client import AzureLocation
from moorage.storage.base import Swept
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.storage.gcs import GcsBlobStore
from moorage.storage.gcs_client import GcsLocation
from moorage.storage.memory import MemoryBlobStore
from moorage.storage.metered import MeteredBlobStore
from moorage.storage.s3 import S3BlobStore
from moorage.storage.s3_client import S3Location
from tests.support.azurite import Azurite
from tests.support.gcs_emulator import GcsEmulator
from tests.support.moto import MotoServer

T = TypeVar("T")
DRIVERS: dict[str, Callable[[Path], BlobStore]] = {
    "filesystem": FilesystemBlobStore,
    "memory": lambda _root: MemoryBlobStore(),
    # The registry's metrics wrap the driver: it must keep the same contract.
    "metered": lambda root: MeteredBlobStore(FilesystemBlobStore(root), Metrics()),
}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def collect(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in stream])


def cloud_store(request: pytest.FixtureRequest, driver: str) -> BlobStore:
    """A store of `driver` on its emulator, in a bucket or container of its own."""
    if driver == "s3":
        moto: MotoServer = request.getfixturevalue("moto")
        return S3BlobStore(moto.location(moto.new_bucket()))
    if driver == "gcs":
        gcs: GcsEmulator = request.getfixturevalue("gcs")
        return GcsBlobStore(gcs.location(gcs.new_bucket()))
    azurite: Azurite = request.getfixturevalue("azurite")
    return AzureBlobStore(azurite.location(azurite.new_container()))


@pytest.fixture(params=[*sorted(DRIVERS), "s3", "azure", "gcs"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param in DRIVERS:
        yield DRIVERS[request.param](tmp_path / "blobs")
        return
    cloud = cloud_store(request, request.param)
    yield cloud
    cloud.close()


def test_drivers_are_chosen_by_name(tmp_path: Path) -> None:
    assert isinstance(open_blob_store("filesystem", tmp_path), FilesystemBlobStore)
    assert isinstance(open_blob_store("memory", tmp_path), MemoryBlobStore)
    s3 = open_blob_store("s3", tmp_path, S3Location("bucket"))
    assert isinstance(s3, S3BlobStore)
    s3.close()
    azure = open_blob_store("azure", tmp_path, AzureLocation("account", "container"))
    assert isinstance(azure, AzureBlobStore)
    azure.close()
    gcs = open_blob_store("gcs", tmp_path, GcsLocation("bucket", emulator_host="http://x"))
    assert isinstance(gcs, GcsBlobStore)
    gcs.close()
    with pytest.raises(ValueError, match="swift"):
        open_blob_store("swift", tmp_path)


# Content -------------------------------------------------------------------------


def test_nothing_exists_in_a_new_store(store: BlobStore) -> None:
    assert run(store.exists(digest_of(b"x"))) is False


def test_written_content_exists_and_reads_back(store: BlobStore) -> None:
    data = b'{"schemaVersion": 2}'
    run(store.write(digest_of(data), data))
    assert run(store.exists(digest_of(data))) is True
    assert run(store.read(digest_of(data))) == data


def test_writing_the_same_content_twice_is_harmless(store: BlobStore) -> None:
    data = os.urandom(100)
    run(store.write(digest_of(data), data))
    run(store.write(digest_of(data), data))
    assert run(store.read(digest_of(data))) == data


def test_reading_missing_content_raises_file_not_found(store: BlobStore) -> None:
    with pytest.raises(FileNotFoundError):
        run(store.read(digest_of(b"missing")))


def test_a_local_path_when_there_is_one_holds_the_content(store: BlobStore) -> None:
    data = os.urandom(100)
    run(store.write(digest_of(data), data))
    path = store.local_path(digest_of(data))
    assert path is None or path.read_bytes() == data


def test_a_redirect_url_when_there_is_one_serves_the_content(store: BlobStore) -> None:
    data = os.urandom(100)
    run(store.write(digest_of(data), data))
    url = store.redirect_url(digest_of(data))
    assert url is None or httpx.get(url).content == data


@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, 5000), (0, 1), (10, 100), (4999, 1), (1234, 5000 - 1234), (0, 0)],
)
def test_a_stream_serves_exactly_the_span_asked_for(
    store: BlobStore, offset: int, length: int
) -> None:
    data = os.urandom(5000)
    run(store.write(digest_of(data), data))
    assert (
        run(collect(store.stream(digest_of(data), offset, length)))
        == data[offset : offset + length]
    )


def test_a_stream_crosses_read_chunk_boundaries(store: BlobStore) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    run(store.write(digest_of(data), data))
    offset = 1024 * 1024 - 5
    length = 2 * 1024 * 1024 + 10
    got = run(collect(store.stream(digest_of(data), offset, length)))
    assert got == data[offset : offset + length]


def test_deleted_content_is_gone(store: BlobStore) -> None:
    data = os.urandom(10)
    run(store.write(digest_of(data), data))
    run(store.delete(digest_of(data)))
    assert run(store.exists(digest_of(data))) is False


def test_deleting_missing_content_is_harmless(store: BlobStore) -> None:
    run(store.delete(digest_of(b"missing")))


# Uploads ------------------------------------------------------------------------


async def append(store: BlobStore, upload_id: str, *chunks: bytes) -> None:
    writer = store.upload_writer(upload_id)
    for chunk in chunks:
        writer.append(chunk)
    await writer.close()


def test_an_unknown_upload_has_no_size(store: BlobStore) -> None:
    assert run(store.upload_size("0" * 32)) is None


def test_a_new_upload_is_empty(store: BlobStore) -> None:
    run(store.start_upload("u1"))
    assert run(store.upload_size("u1")) == 0
    assert run(collect(store.read_upload("u1"))) == b""


def test_appended_chunks_accumulate_in_order(store: BlobStore) -> None:
    run(store.start_upload("u1"))
    run(append(store, "u1", b"abc", b"", b"def"))
    run(append(store, "u1", b"ghi"))
    assert run(store.upload_size("u1")) == 9
    assert run(collect(store.read_upload("u1"))) == b"abcdefghi"


def test_a_large_upload_reads_back_whole(store: BlobStore) -> None:
    data = os.urandom(2 * 1024 * 1024 + 3)
    run(store.start_upload("u1"))
    run(append(store, "u1", data[:1000], data[1000:]))
    assert run(collect(store.read_upload("u1"))) == data


def test_uploads_are_independent(store: BlobStore) -> None:
    run(store.start_upload("u1"))
    run(store.start_upload("u2"))
    run(append(store, "u1", b"one"))
    run(append(store, "u2", b"two!"))
    assert run(collect(store.read_upload("u1"))) == b"one"
    assert run(store.upload_size("u2")) == 4


def test_a_committed_upload_becomes_content_and_stops_being_an_upload(
    store: BlobStore,
) -> None:
    data = os.urandom(1000)
    run(store.start_upload("u1"))
    run(append(store, "u1", data))
    assert run(store.exists(digest_of(data))) is False
    run(store.commit_upload("u1", digest_of(data)))
    assert run(store.exists(digest_of(data))) is True
    assert run(store.read(digest_of(data))) == data
    assert run(collect(store.stream(digest_of(data), 0, 1000))) == data
    assert run(store.upload_size("u1")) is None


def test_committing_content_that_exists_keeps_it_intact(store: BlobStore) -> None:
    data = os.urandom(100)
    run(store.write(digest_of(data), data))
    run(store.start_upload("u1"))
    run(append(store, "u1", data))
    run(store.commit_upload("u1", digest_of(data)))
    assert run(store.read(digest_of(data))) == data


def test_an_aborted_upload_is_gone_and_leaves_no_content(store: BlobStore) -> None:
    run(store.start_upload("u1"))
    run(append(store, "u1", b"partial"))
    run(store.abort_upload("u1"))
    assert run(store.upload_size("u1")) is None
    assert run(store.exists(digest_of(b"partial"))) is False


def test_aborting_an_unknown_upload_is_harmless(store: BlobStore) -> None:
    run(store.abort_upload("never-started"))


# Sweeping stale uploads ------------------------------------------------------------


def test_a_sweep_removes_uploads_untouched_since_its_cutoff_and_counts_their_bytes(
    store: BlobStore,
) -> None:
    run(store.start_upload("u1"))
    run(append(store, "u1", os.urandom(1000)))
    run(store.start_upload("u2"))
    assert run(store.remove_stale_uploads(time.time() + 60)) == Swept(uploads=2, bytes=1000)
    assert run(store.upload_size("u1")) is None
    assert run(store.upload_size("u2")) is None


def test_a_sweep_keeps_uploads_written_since_its_cutoff(store: BlobStore) -> None:
    run(store.start_upload("u1"))
    run(append(store, "u1", b"fresh"))
    assert run(store.remove_stale_uploads(time.time() - 60)) == Swept(uploads=0, bytes=0)
    assert run(collect(store.read_upload("u1"))) == b"fresh"


def test_a_sweep_of_no_uploads_frees_nothing(store: BlobStore) -> None:
    assert run(store.remove_stale_uploads(time.time() + 60)) == Swept(uploads=0, bytes=0)


def test_sweeps_running_together_remove_each_upload_once(store: BlobStore) -> None:
    async def sweep_four_times_at_once() -> list[Swept]:
        for n in range(50):
            await store.start_upload(f"u{n}")
            await append(store, f"u{n}", b"x" * 10)
        cutoff = time.time() + 60
        return await asyncio.gather(*(store.remove_stale_uploads(cutoff) for _ in range(4)))

    results = run(sweep_four_times_at_once())
    assert sum(r.uploads for r in results) == 50
    assert sum(r.bytes for r in results) == 500
