"""The collector frees what no repository needs, and nothing a push relies on, on both backends.

Pushes go through the registry's own services over a real filesystem store; time
passing beyond the grace period is the collector's clock moved forward.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from moorage.content.errors import BlobUnknown, ManifestBlobUnknown
from moorage.registry.collector import STEP, Collected, Pace, collect
from moorage.registry.service import Registry
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.store.blob_rows import BlobState
from moorage.store.garbage import Garbage
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.schema import blobs, repository_blobs
from tests.support.images import Image, digest_of, image

GRACE = 60.0
LATER = GRACE + 1


@pytest.fixture
def store(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path / "storage")


@pytest.fixture
def metadata(engine: Engine) -> Iterator[RegistryMetadata]:
    opened = RegistryMetadata(engine)
    yield opened
    opened.close()


@pytest.fixture
def registry(store: FilesystemBlobStore, metadata: RegistryMetadata) -> Registry:
    return Registry.build(store, metadata, b"secret")


@pytest.fixture
def garbage(engine: Engine) -> Garbage:
    return Garbage(engine)


async def _body(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def push_blob(registry: Registry, repository: str, data: bytes) -> None:
    upload_id = await registry.blobs.start_upload(repository)
    assert upload_id is not None
    await registry.blobs.finish(repository, upload_id, digest_of(data), _body(data))


async def push_image(registry: Registry, repository: str, img: Image, tag: str) -> None:
    for blob in img.blobs:
        await push_blob(registry, repository, blob)
    await registry.manifests.put(repository, tag, img.manifest, img.media_type)


def run_pass(garbage: Garbage, store: FilesystemBlobStore, after: float = 0.0) -> Collected:
    """A collection as if `after` seconds had passed since now."""
    return asyncio.run(collect(garbage, store, GRACE, clock=lambda: time.time() + after))


def stored(store: FilesystemBlobStore, data: bytes) -> bool:
    return asyncio.run(store.exists(digest_of(data)))


def test_a_layer_pushed_before_its_manifest_is_kept_for_the_grace_period(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    layer = b"layer" * 100
    asyncio.run(push_blob(registry, "p/app", layer))
    assert run_pass(garbage, store) == Collected(links=0, blobs=0, bytes=0)
    assert registry.blobs.size("p/app", digest_of(layer)) == len(layer)
    assert run_pass(garbage, store, LATER) == Collected(links=1, blobs=1, bytes=len(layer))
    assert not stored(store, layer)
    with pytest.raises(BlobUnknown):
        registry.blobs.size("p/app", digest_of(layer))


def test_what_a_manifest_references_is_kept_tagged_or_untagged(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    tagged, untagged = image(), image()
    asyncio.run(push_image(registry, "p/app", tagged, "v1"))
    asyncio.run(push_image(registry, "p/app", untagged, untagged.digest))
    assert run_pass(garbage, store, LATER) == Collected(links=0, blobs=0, bytes=0)
    for data in (*tagged.blobs, tagged.manifest, *untagged.blobs, untagged.manifest):
        assert stored(store, data)
        assert registry.blobs.size("p/app", digest_of(data)) == len(data)


def test_a_deleted_manifest_frees_its_blobs_once_no_repository_links_them(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    img = image()
    everything = [*img.blobs, img.manifest]
    for repository in ("p/a", "p/b"):
        asyncio.run(push_image(registry, repository, img, "v1"))
    asyncio.run(registry.manifests.delete("p/a", img.digest))
    assert run_pass(garbage, store, LATER) == Collected(links=len(everything), blobs=0, bytes=0)
    assert all(stored(store, data) for data in everything)
    asyncio.run(registry.manifests.delete("p/b", img.digest))
    freed = sum(len(data) for data in everything)
    assert run_pass(garbage, store, LATER) == Collected(len(everything), len(everything), freed)
    assert not any(stored(store, data) for data in everything)


def test_a_manifest_whose_layer_was_collected_is_refused_with_manifest_blob_unknown(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    img = image(layers=1)
    for blob in img.blobs:
        asyncio.run(push_blob(registry, "p/app", blob))
    run_pass(garbage, store, LATER)
    with pytest.raises(ManifestBlobUnknown):
        asyncio.run(registry.manifests.put("p/app", "v1", img.manifest, img.media_type))


def test_a_blob_a_collector_marked_and_left_is_used_by_nothing_and_finished_next_pass(
    registry: Registry,
    metadata: RegistryMetadata,
    store: FilesystemBlobStore,
    garbage: Garbage,
) -> None:
    layer = b"marked" * 100
    digest = digest_of(layer)
    asyncio.run(push_blob(registry, "p/app", layer))
    asyncio.run(registry.blobs.unlink("p/app", digest))
    assert garbage.mark_blobs([digest], time.time() + LATER) == {digest: len(layer)}  # then died
    assert metadata.blob_state(digest) is BlobState.DELETING
    assert not metadata.link_blob("p/other", digest)
    assert not metadata.link_blob("p/other", digest, written_size=len(layer))
    # A mount of it starts an upload instead.
    assert asyncio.run(registry.blobs.start_upload("p/other", (digest, "p/app"))) is not None
    assert run_pass(garbage, store) == Collected(links=0, blobs=1, bytes=len(layer))
    assert not stored(store, layer)


def test_a_push_of_a_blob_being_deleted_waits_and_stores_it_again(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    layer = b"again" * 100
    digest = digest_of(layer)
    asyncio.run(push_blob(registry, "p/app", layer))
    asyncio.run(registry.blobs.unlink("p/app", digest))
    garbage.mark_blobs([digest], time.time() + LATER)

    async def push_while_collecting() -> None:
        pushing = asyncio.create_task(push_blob(registry, "p/app", layer))
        await collect(garbage, store, GRACE)
        await pushing

    asyncio.run(push_while_collecting())
    assert stored(store, layer)
    assert registry.blobs.size("p/app", digest) == len(layer)
    assert run_pass(garbage, store) == Collected(links=0, blobs=0, bytes=0)


def test_garbage_is_found_in_batches(
    engine: Engine, registry: Registry, store: FilesystemBlobStore
) -> None:
    layers = [bytes([i]) * 10 for i in range(10)]
    for data in layers:
        asyncio.run(push_blob(registry, f"p/r{data[0] % 3}", data))
    collected = run_pass(Garbage(engine, batch=3), store, LATER)
    assert collected == Collected(links=10, blobs=10, bytes=100)


def test_a_pass_rests_between_steps_so_work_takes_its_share_of_the_time(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    for data in (bytes([i]) * 10 for i in range(STEP + 1)):
        asyncio.run(push_blob(registry, "p/app", data))
    ticks = iter(range(1000))
    rests: list[float] = []

    async def rest(seconds: float) -> None:
        rests.append(seconds)

    pace = Pace(share=0.25, clock=lambda: float(next(ticks)), rest=rest)
    later = time.time() + LATER
    collected = asyncio.run(collect(garbage, store, GRACE, clock=lambda: later, pace=pace))
    assert collected.links == collected.blobs == STEP + 1
    # Two steps of links and two of blobs (STEP rows, then one), each a tick of work.
    assert rests == [3.0] * 4


def test_a_pass_with_the_whole_share_never_rests(
    registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    asyncio.run(push_blob(registry, "p/app", b"x" * 10))

    async def rest(seconds: float) -> None:
        raise AssertionError(f"rested {seconds} s")

    later = time.time() + LATER
    pace = Pace(share=1.0, rest=rest)
    collected = asyncio.run(collect(garbage, store, GRACE, clock=lambda: later, pace=pace))
    assert collected == Collected(links=1, blobs=1, bytes=10)


def test_rows_a_push_holds_locked_are_left_for_the_next_pass_not_waited_for(
    engine: Engine, registry: Registry, store: FilesystemBlobStore, garbage: Garbage
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: its one write lock orders the two transactions")
    layer = b"held" * 100
    asyncio.run(push_blob(registry, "p/app", layer))
    link = repository_blobs.c.digest == digest_of(layer)
    with engine.begin() as push:  # as a push linking the blob holds its link
        push.execute(select(repository_blobs).where(link).with_for_update())
        assert run_pass(garbage, store, LATER) == Collected(links=0, blobs=0, bytes=0)
    assert run_pass(garbage, store, LATER).links == 1
    asyncio.run(push_blob(registry, "p/app", layer))
    asyncio.run(registry.blobs.unlink("p/app", digest_of(layer)))
    with engine.begin() as push:  # as a push refreshing the blob holds its row
        push.execute(select(blobs).where(blobs.c.digest == digest_of(layer)).with_for_update())
        assert run_pass(garbage, store, LATER) == Collected(links=0, blobs=0, bytes=0)
    assert run_pass(garbage, store, LATER) == Collected(links=0, blobs=1, bytes=len(layer))
    assert not stored(store, layer)
