"""Pruning beside live pushes: nothing a push acknowledged during a prune is lost.

A real `moorage serve` (SQLite and PostgreSQL) with a short collector grace and a collector
pass every 0.2 s; confirmed prunes (ImagePrune) run again and again while two threads push
new images to new tags and push again, by new tags, the very images the prunes are deleting.
"""

import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.images import Image, digest_of, image, push_image
from tests.support.server import RunningServer

GRACE = 0.5
PUSHING_SECONDS = 4.0
PRUNES = "/apis/image.openshift.io/v1/imageprunes"


@pytest.fixture
def server(tmp_path: Path, database_args: list[str]) -> Iterator[RunningServer]:
    args = ["--workers", "2", "--gc-grace", str(GRACE), "--gc-interval", "0.2", *database_args]
    running = RunningServer(tmp_path / "data", tmp_path / "server.log", args)
    running.start()
    yield running
    running.stop()


def prune(api: httpx.Client) -> dict[str, int]:
    spec = {"keepTagRevisions": 1, "keepYoungerThanDuration": "0s", "confirm": True}
    answer = api.post(PRUNES, json={"kind": "ImagePrune", "spec": spec}, timeout=120)
    assert answer.status_code == 201, answer.text
    return answer.json()["status"]["summary"]


def pusher(
    server: RunningServer, name: str, old: list[Image], acknowledged: dict[str, Image]
) -> None:
    """New images to new tags, and old revisions again by new tags, until told to stop."""
    with server.registry_client() as client:
        number = 0
        deadline = time.monotonic() + PUSHING_SECONDS
        while time.monotonic() < deadline:
            number += 1
            pushed = random.choice(old) if number % 2 else image(layers=1)
            tag = f"{name}-{number}"
            if push_image(client, "test/app", pushed, tag).status_code == 201:
                acknowledged[tag] = pushed


def test_every_push_acknowledged_during_prunes_stays_pullable(server: RunningServer) -> None:
    old = [image(layers=1) for _ in range(20)]
    with server.registry_client() as client:
        for img in old:
            assert push_image(client, "test/app", img, "latest").status_code == 201
    time.sleep(GRACE)
    acknowledged: dict[str, Image] = {}
    threads = [
        threading.Thread(target=pusher, args=(server, name, old, acknowledged))
        for name in ("a", "b")
    ]
    for thread in threads:
        thread.start()
    deleted = {"tagItems": 0, "images": 0}
    with server.api_client() as api:
        while any(thread.is_alive() for thread in threads):
            summary = prune(api)
            deleted = {key: deleted[key] + summary[key] for key in deleted}
            time.sleep(GRACE)  # what the pushers made becomes old enough to prune
    for thread in threads:
        thread.join()

    assert deleted["tagItems"] >= 19 and deleted["images"] > 0, deleted
    assert len(acknowledged) > 10
    with server.registry_client() as client:
        for tag, pushed in acknowledged.items():
            manifest = client.get(f"/v2/test/app/manifests/{tag}")
            assert manifest.status_code == 200, (tag, manifest.text)
            assert manifest.content == pushed.manifest
            for blob in pushed.blobs:
                got = client.get(f"/v2/test/app/blobs/{digest_of(blob)}")
                assert got.status_code == 200 and got.content == blob, tag
