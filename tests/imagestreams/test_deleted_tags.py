"""Deleted tags stay restorable for `--tag-restore-window`: neither the pruner nor the
collector frees the image a tag served meanwhile; past the window, pruning frees it."""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.imagestreams.conftest import IMAGES
from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.server import RunningServer

GRACE = 0.5
COLLECTED_WITHIN = 60.0  # seconds a collection pass may take to come round, at most


def serving(tmp_path: Path, database_args: list[str], window: str) -> Iterator[RunningServer]:
    args = ["--gc-grace", str(GRACE), "--gc-interval", "0.2", "--tag-restore-window", window]
    running = RunningServer(tmp_path / "data", tmp_path / "server.log", [*args, *database_args])
    running.start()
    yield running
    running.stop()


@pytest.fixture
def keeping(tmp_path: Path, database_args: list[str]) -> Iterator[RunningServer]:
    """A server whose deleted tags stay restorable for the default 14 days."""
    yield from serving(tmp_path, database_args, str(14 * 24 * 3600))


@pytest.fixture
def forgetting(tmp_path: Path) -> Iterator[RunningServer]:
    """A server whose deleted tags are not restorable at all."""
    yield from serving(tmp_path, [], "0")


def prune(server: RunningServer) -> dict[str, int]:
    spec = {"keepTagRevisions": 1, "keepYoungerThanDuration": "0s", "confirm": True}
    with server.api_client() as admin:
        answer = admin.post(f"{IMAGES}/imageprunes", json={"spec": spec}, timeout=120)
    assert answer.status_code == 201, answer.text
    return answer.json()["status"]["summary"]


def collected(registry: httpx.Client, project: str) -> None:
    """Wait until the collector has freed a blob nothing references (a pass came round)."""
    orphan = image(layers=1).layers[0]
    assert push_blob(registry, f"{project}/scratch", orphan).status_code == 201
    url = f"/v2/{project}/scratch/blobs/{digest_of(orphan)}"
    deadline = time.monotonic() + COLLECTED_WITHIN
    while registry.head(url).status_code != 404:
        assert time.monotonic() < deadline, "no collection pass came round"
        time.sleep(0.2)


def test_a_deleted_tags_image_outlives_prunes_and_collections_and_is_restored_whole(
    keeping: RunningServer,
) -> None:
    project = f"p-{uuid.uuid4().hex[:8]}"
    keeping.create_projects(project)
    old = image(layers=2)
    with keeping.registry_client() as registry, keeping.api_client() as api:
        assert push_image(registry, f"{project}/app", old, "v1").status_code == 201
        assert registry.delete(f"/v2/{project}/app/manifests/v1").status_code == 202
        time.sleep(GRACE)  # older than the grace: only the restore window keeps it now
        assert prune(keeping)["images"] == 0
        collected(registry, project)
        deleted = api.get(f"{IMAGES}/namespaces/{project}/deletedimagestreamtags/app:v1")
        assert deleted.status_code == 200 and deleted.json()["image"] == old.digest
        source = {"kind": "ImageStreamImage", "name": f"app@{old.digest}"}
        restored = api.post(
            f"{IMAGES}/namespaces/{project}/imagestreamtags",
            json={"metadata": {"name": "app:v1"}, "tag": {"name": "v1", "from": source}},
        )
        assert restored.status_code == 201, restored.text
        pulled = registry.get(f"/v2/{project}/app/manifests/v1", headers={"Accept": old.media_type})
        assert pulled.content == old.manifest
        for blob in old.blobs:
            assert registry.get(f"/v2/{project}/app/blobs/{digest_of(blob)}").content == blob


def test_past_the_window_a_deleted_tags_image_is_pruned_and_cannot_be_restored(
    forgetting: RunningServer,
) -> None:
    project = f"p-{uuid.uuid4().hex[:8]}"
    forgetting.create_projects(project)
    old = image(layers=1)
    with forgetting.registry_client() as registry, forgetting.api_client() as api:
        assert push_image(registry, f"{project}/app", old, "v1").status_code == 201
        assert registry.delete(f"/v2/{project}/app/manifests/v1").status_code == 202
        listed = api.get(f"{IMAGES}/namespaces/{project}/deletedimagestreamtags")
        assert listed.json()["items"] == []
        time.sleep(GRACE)
        assert prune(forgetting)["images"] == 1
        assert api.get(f"{IMAGES}/images/{old.digest}").status_code == 404
