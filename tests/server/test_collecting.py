"""Online garbage collection under `moorage serve`: pushes go on while the collector runs, every
push acknowledged is pulled back bit for bit, and the bytes of what nothing references go.

Short grace period and interval, so collections run many times while threads push images,
mount layers across repositories, delete manifests (making garbage), and push again layers
that were just deleted and collected.
"""

import asyncio
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from moorage.registry.settings import RegistrySettings
from moorage.server.collecting import (
    LOWEST_PRIORITY,
    CollectorThread,
    Schedule,
    collect_in_background,
)
from moorage.server.config import ConfigError, ServerConfig
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.store.blob_rows import BlobState
from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.garbage import Garbage
from moorage.store.registry_metadata import RegistryMetadata
from tests.support.images import Image, digest_of, image, push_blob, push_image
from tests.support.metrics import scrape, total
from tests.support.oci import close_upload
from tests.support.server import RunningServer

GRACE = 2.0
INTERVAL = 0.2
PUSHING_SECONDS = 8.0
PUSHERS = 3


@pytest.fixture
def collecting_server(tmp_path: Path, database_args: list[str]) -> Iterator[RunningServer]:
    args = ["--workers", "2", "--gc-interval", str(INTERVAL), "--gc-grace", str(GRACE)]
    running = RunningServer(tmp_path / "data", tmp_path / "server.log", [*args, *database_args])
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()
    assert "unhandled error" not in running.log(), running.log()[-5000:]


@dataclass
class Ledger:
    """What the registry acknowledged, and what was deleted since."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[tuple[str, str], Image] = field(default_factory=dict)  # (repository, tag)
    deleted: list[Image] = field(default_factory=list)
    refused: dict[int, int] = field(default_factory=dict)  # status -> count, never acknowledged
    mounted: int = 0
    repushed: int = 0

    def acknowledge(self, repository: str, tag: str, img: Image) -> None:
        with self.lock:
            self.live[(repository, tag)] = img

    def delete(self, repository: str, tag: str) -> Image:
        with self.lock:
            img = self.live.pop((repository, tag))
            self.deleted.append(img)
            return img

    def refuse(self, status: int) -> None:
        with self.lock:
            self.refused[status] = self.refused.get(status, 0) + 1

    def count(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)

    def live_elsewhere(self, rng: random.Random, here: str) -> tuple[str, Image] | None:
        """An image acknowledged in another repository than `here`."""
        with self.lock:
            others = [(repo, img) for (repo, _), img in self.live.items() if repo != here]
        return rng.choice(others) if others else None


def upload(client: httpx.Client, repository: str, data: bytes, mount_from: str | None) -> int:
    """Mount `data` from `mount_from` when given (an upload when the registry falls back)."""
    if mount_from is None:
        return push_blob(client, repository, data).status_code
    started = client.post(
        f"/v2/{repository}/blobs/uploads/",
        params={"mount": digest_of(data), "from": mount_from},
    )
    if started.status_code != 202:
        return started.status_code
    return close_upload(client, started.headers["Location"], digest_of(data), data).status_code


def push(
    client: httpx.Client,
    repository: str,
    tag: str,
    img: Image,
    ledger: Ledger,
    mount_from: str | None = None,
) -> bool:
    """Push the image; True, and recorded, once its manifest is acknowledged."""
    for blob in img.blobs:
        status = upload(client, repository, blob, mount_from)
        if status != 201:
            ledger.refuse(status)
            return False
    answer = client.put(
        f"/v2/{repository}/manifests/{tag}",
        content=img.manifest,
        headers={"Content-Type": img.media_type},
    )
    if answer.status_code != 201:
        ledger.refuse(answer.status_code)
        return False
    ledger.acknowledge(repository, tag, img)
    return True


def stored(server: RunningServer, digest: str) -> bool:
    hex_ = digest.removeprefix("sha256:")
    return (server.data_dir / "storage" / "blobs" / "sha256" / hex_[:2] / hex_).exists()


def pusher(server: RunningServer, ledger: Ledger, index: int, until: float) -> None:
    """Pushes new images; now and then mounts another thread's layers, or deletes a tag."""
    rng = random.Random(index)
    repository = f"p/gc{index}"
    with server.registry_client() as client:
        for round_ in range(10_000):
            if time.monotonic() > until:
                return
            source = ledger.live_elsewhere(rng, repository) if round_ % 3 == 2 else None
            if source is not None:
                other, img = source
                if push(client, repository, f"m{round_}", img, ledger, mount_from=other):
                    ledger.count("mounted")
                continue
            push(client, repository, f"v{round_}", image(layer_size=rng.randint(512, 8192)), ledger)
            if round_ % 2 == 1 and (repository, f"v{round_ - 1}") in ledger.live:
                deleted = ledger.delete(repository, f"v{round_ - 1}")
                assert client.delete(f"/v2/{repository}/manifests/{deleted.digest}").is_success


def repusher(server: RunningServer, ledger: Ledger, until: float) -> None:
    """Pushes an image, deletes it, waits for the collector to take its layers, pushes it again."""
    repository = "p/gc-again"
    with server.registry_client() as client:
        for round_ in range(10_000):
            if time.monotonic() > until:
                return
            img = image(layers=1, layer_size=2048)
            if not push(client, repository, f"a{round_}", img, ledger):
                continue
            ledger.delete(repository, f"a{round_}")
            assert client.delete(f"/v2/{repository}/manifests/{img.digest}").is_success
            layer = digest_of(img.layers[0])
            while stored(server, layer) and time.monotonic() < until:
                time.sleep(0.02)
            if push(client, repository, f"b{round_}", img, ledger):
                ledger.count("repushed")


def eventually(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("option", [{"gc_interval": -1.0}, {"gc_grace": 0.0}])
def test_a_negative_interval_or_no_grace_is_refused(option: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="--gc-interval must be 0 or more"):
        ServerConfig(**option)  # type: ignore[arg-type]


def test_the_first_pass_runs_at_start_and_finishes_what_a_dead_collector_left(
    tmp_path: Path,
) -> None:
    engine = open_engine(sqlite_url(tmp_path / "metadata.db"))
    migrate(engine)
    store = FilesystemBlobStore(tmp_path / "storage")
    data = b"left marked" * 100
    asyncio.run(store.write(digest_of(data), data))
    metadata = RegistryMetadata(engine)
    assert metadata.link_blob("p/app", digest_of(data), len(data))
    assert metadata.unlink_blob("p/app", digest_of(data))
    assert Garbage(engine).mark_blobs([digest_of(data)], time.time() + 1) == {
        digest_of(data): len(data)
    }
    collector = CollectorThread(
        engine, tmp_path, RegistrySettings, Schedule(every=3600, grace=3600)
    )
    collector.start()
    try:
        assert eventually(lambda: metadata.blob_state(digest_of(data)) is BlobState.MISSING, 30)
    finally:
        collector.stop(30)
        metadata.close()
        engine.dispose()
    assert not asyncio.run(store.exists(digest_of(data)))


def test_every_acknowledged_push_survives_collections_running_beside_it(
    collecting_server: RunningServer,
) -> None:
    server, ledger = collecting_server, Ledger()
    until = time.monotonic() + PUSHING_SECONDS
    workers = [
        threading.Thread(target=pusher, args=(server, ledger, i, until)) for i in range(PUSHERS)
    ]
    workers.append(threading.Thread(target=repusher, args=(server, ledger, until)))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(PUSHING_SECONDS + 60)

    assert ledger.repushed > 0 and ledger.mounted > 0, ledger
    assert set(ledger.refused) <= {400, 503}, ledger.refused
    with server.registry_client() as client:
        for (repository, tag), img in ledger.live.items():
            accept = {"Accept": img.media_type}
            got = client.get(f"/v2/{repository}/manifests/{tag}", headers=accept)
            assert got.content == img.manifest, (repository, tag)
            for blob in img.blobs:
                assert client.get(f"/v2/{repository}/blobs/{digest_of(blob)}").content == blob

    live = {digest_of(data) for img in ledger.live.values() for data in (*img.blobs, img.manifest)}
    garbage = {
        digest_of(data) for img in ledger.deleted for data in (*img.blobs, img.manifest)
    } - live
    assert garbage
    assert eventually(lambda: not any(stored(server, d) for d in garbage), GRACE + 30)
    assert all(stored(server, digest) for digest in live)
    assert "garbage collection removed" in server.log()
    print(
        f"\npushes acknowledged {len(ledger.live) + len(ledger.deleted)}, "
        f"deleted {len(ledger.deleted)}, mounted {ledger.mounted}, "
        f"pushed again after collection {ledger.repushed}, refused {ledger.refused}, "
        f"blobs collected {len(garbage)}"
    )


def test_what_each_pass_frees_is_counted_in_the_registrys_metrics(
    collecting_server: RunningServer,
) -> None:
    img = image(layers=2, layer_size=50_000)
    with collecting_server.registry_client() as client:
        assert push_image(client, "openshift/gone", img, "v1").status_code == 201
        assert client.delete(f"/v2/openshift/gone/manifests/{img.digest}").status_code == 202
    freed = [digest_of(blob) for blob in (img.config, *img.layers)]
    assert eventually(lambda: not any(stored(collecting_server, d) for d in freed), 30)
    assert eventually(
        lambda: (
            total(scrape(collecting_server), "imageregistry_gc_freed_bytes_total")
            >= sum(len(blob) for blob in (img.config, *img.layers))
        ),
        30,
    )
    samples = scrape(collecting_server)
    assert total(samples, "imageregistry_gc_collected_blobs_total") >= len(freed)
    assert total(samples, "imageregistry_gc_collected_links_total") >= len(freed)
    assert total(samples, "imageregistry_gc_passes_total") >= 1


@pytest.mark.parametrize("share", [0.0, 1.5])
def test_a_duty_cycle_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ConfigError, match="--gc-duty-cycle must be more than 0 and at most 1"):
        ServerConfig(gc_duty_cycle=share)


def test_a_pass_runs_at_the_lowest_cpu_priority(tmp_path: Path) -> None:
    engine = open_engine(sqlite_url(tmp_path / "metadata.db"))
    migrate(engine)
    priority: list[int] = []
    ours = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def pass_then_look() -> None:
        store = FilesystemBlobStore(tmp_path / "storage")
        collect_in_background(Garbage(engine), store, Schedule(every=1, grace=1))
        priority.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    collecting = threading.Thread(target=pass_then_look)
    collecting.start()
    collecting.join()
    engine.dispose()
    assert priority == [LOWEST_PRIORITY] == [19]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == ours  # the thread's own
