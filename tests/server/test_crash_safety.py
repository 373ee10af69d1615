"""Killing every server process mid-write loses nothing acknowledged, serves nothing torn."""

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.support.images import digest_of, image, push_blob
from tests.support.server import RunningServer

CHUNK = 256 * 1024


class Acknowledged:
    """What the server answered 201 for before it died: it must all be there after restart."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.blobs: dict[str, str] = {}  # digest -> repository
        self.tags: dict[tuple[str, str], str] = {}  # (repository, tag) -> manifest digest
        self.some_tag = threading.Event()

    def blob(self, repository: str, digest: str) -> None:
        with self.lock:
            self.blobs[digest] = repository

    def tag(self, repository: str, tag: str, digest: str) -> None:
        with self.lock:
            self.tags[(repository, tag)] = digest
        self.some_tag.set()


def slow_body(data: bytes, sent: threading.Event, hold: threading.Event) -> Iterator[bytes]:
    """Streams `data`; at half way it signals `sent` and waits for `hold` before going on.

    So the upload is surely still streaming when the server is killed, however slowly
    the manifest writers get their first tag in (a loaded machine, a remote database).
    """
    for offset in range(0, len(data), CHUNK):
        if offset >= len(data) // 2 and not sent.is_set():
            sent.set()
            hold.wait(60)
        yield data[offset : offset + CHUNK]
        time.sleep(0.01)


def push_slowly(
    server: RunningServer,
    repository: str,
    data: bytes,
    half_sent: threading.Event,
    acked: Acknowledged,
) -> None:
    """A monolithic upload that is still streaming when the server is killed."""
    try:
        with server.registry_client(timeout=60) as client:
            response = client.post(
                f"/v2/{repository}/blobs/uploads/",
                params={"digest": digest_of(data)},
                content=slow_body(data, half_sent, acked.some_tag),
            )
            if response.status_code == 201:
                acked.blob(repository, digest_of(data))
    except httpx.TransportError:
        half_sent.set()


def push_manifests_until_killed(
    server: RunningServer, repository: str, acked: Acknowledged
) -> None:
    try:
        with server.registry_client() as client:
            for n in range(10_000):
                img = image(layers=1, layer_size=2048)
                for blob in img.blobs:
                    if push_blob(client, repository, blob).status_code == 201:
                        acked.blob(repository, digest_of(blob))
                tag = f"t{n}"
                response = client.put(
                    f"/v2/{repository}/manifests/{tag}",
                    content=img.manifest,
                    headers={"Content-Type": img.media_type},
                )
                if response.status_code == 201:
                    acked.tag(repository, tag, img.digest)
    except httpx.TransportError:
        return


def test_a_kill_mid_write_loses_nothing_acknowledged(
    tmp_path: Path, database_args: list[str]
) -> None:
    args = ["--workers", "2", *database_args]
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", args)
    server.start()
    acked = Acknowledged()
    big = [os.urandom(8 * 1024 * 1024) for _ in range(3)]
    half_sent = [threading.Event() for _ in big]
    threads = [
        threading.Thread(target=push_slowly, args=(server, "crash/big", data, event, acked))
        for data, event in zip(big, half_sent, strict=True)
    ]
    threads += [
        threading.Thread(target=push_manifests_until_killed, args=(server, f"crash/m{i}", acked))
        for i in range(3)
    ]
    for thread in threads:
        thread.start()
    for event in half_sent:
        assert event.wait(60)
    assert acked.some_tag.wait(60), "the manifest writers should have landed some tags"
    time.sleep(0.05)
    server.kill()
    for thread in threads:
        thread.join(60)
    assert len(acked.tags) > 0, "the manifest writers should have landed some tags"

    server.start()
    with server.registry_client() as client:
        for digest, repository in acked.blobs.items():
            body = client.get(f"/v2/{repository}/blobs/{digest}")
            assert body.status_code == 200, digest
            assert digest_of(body.content) == digest
        for (repository, tag), digest in acked.tags.items():
            manifest = client.get(f"/v2/{repository}/manifests/{tag}")
            assert manifest.status_code == 200, (repository, tag)
            assert manifest.headers["Docker-Content-Digest"] == digest
            assert digest_of(manifest.content) == digest
        for data in big:
            if digest_of(data) not in acked.blobs:
                head = client.head(f"/v2/crash/big/blobs/{digest_of(data)}")
                assert head.status_code == 404
    assert_every_stored_blob_matches_its_name(tmp_path / "data" / "storage" / "blobs")
    assert server.stop() == 0


def assert_every_stored_blob_matches_its_name(root: Path) -> None:
    files = [path for path in root.rglob("*") if path.is_file()]
    assert files
    for path in files:
        algorithm = path.parent.parent.name
        assert hashlib.new(algorithm, path.read_bytes()).hexdigest() == path.name, path
