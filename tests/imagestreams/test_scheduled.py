"""Scheduled imports: tags marked scheduled are imported again each interval, by the server
on its own (`moorage serve --scheduled-import-interval`)."""

import asyncio
import base64
import calendar
import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moorage.imagestreams import scheduled
from moorage.imagestreams.imports import AT_ONCE
from moorage.imagestreams.scheduled import due, in_turns
from moorage.server.config import ConfigError, ServerConfig
from moorage.upstream.credentials import DOCKERCONFIGJSON
from tests.operator.conftest import wait_for
from tests.support.images import image
from tests.support.k8s import create, create_namespace
from tests.support.server import RunningServer
from tests.support.tarpit import tarpit
from tests.support.third_party import third_party

IMAGES = "/apis/image.openshift.io/v1"


def _stream(
    checked: str | None, scheduled: bool, kind: str = "DockerImage", namespace: str = "n"
) -> dict[str, Any]:
    tag = {"name": "v1", "from": {"kind": kind, "name": "quay.io/a/b:v1"}}
    tag["importPolicy"] = {"scheduled": scheduled}
    annotations = {"openshift.io/image.dockerRepositoryCheck": checked} if checked else {}
    meta = {"name": "s", "namespace": namespace, "annotations": annotations}
    return {"metadata": meta, "spec": {"tags": [tag]}}


def test_only_scheduled_external_tags_last_imported_an_interval_ago_are_due() -> None:
    now = calendar.timegm((2026, 1, 1, 0, 15, 0))
    never, lately = _stream(None, True), _stream("2026-01-01T00:10:00Z", True)
    long_ago = _stream("2026-01-01T00:00:00Z", True)
    unscheduled, local = _stream(None, False), _stream(None, True, kind="ImageStreamTag")
    found = due([never, lately, long_ago, unscheduled, local], now, 900)
    assert [stream for stream, _ in found] == [never, long_ago]
    assert [tag.tag for tag in found[0][1]] == ["v1"]


def test_one_projects_many_due_streams_wait_behind_every_other_projects_turn() -> None:
    flood = [_stream(f"2026-01-01T00:00:{n:02d}Z", True, namespace="aaa") for n in range(50)]
    other = _stream("2026-01-01T00:05:00Z", True, namespace="zzz")
    later = _stream("2026-01-01T00:06:00Z", True, namespace="zzz")
    now = calendar.timegm((2026, 1, 2, 0, 0, 0))
    order = [stream for stream, _ in in_turns(due([*flood, later, other], now, 900))]
    assert order[:4] == [flood[0], other, flood[1], later]
    assert order[4:] == flood[2:]


class _OneStreamBreaks:
    """Imports whose first stream fails as nothing foreseen does; records what was imported."""

    def __init__(self) -> None:
        self.streams = [_stream(None, True, namespace="broken"), _stream(None, True)]
        self.imported: list[str] = []

    def all_streams(self) -> list[dict[str, Any]]:
        return self.streams

    def run_scheduled(self, namespace: str, name: str, tags: list[Any]) -> None:
        if namespace == "broken":
            raise RuntimeError("nothing foreseen")
        self.imported.append(namespace)


def test_a_stream_whose_import_fails_unforeseen_stops_no_other_stream(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scheduled, "PER_MINUTE", 6000)
    imports = _OneStreamBreaks()

    async def until_the_other_is_imported() -> None:
        running = asyncio.ensure_future(scheduled.run_scheduled(imports, 900))  # type: ignore[arg-type]
        while not imports.imported and not running.done():
            await asyncio.sleep(0.01)
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running

    asyncio.run(asyncio.wait_for(until_the_other_is_imported(), 10))
    assert imports.imported == ["n"]


@pytest.fixture
def every_second(tmp_path: Path) -> Iterator[RunningServer]:
    args = ["--workers", "1", "--scheduled-import-interval", "1"]
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", args, projects=())
    yield server.start()
    server.stop()


@contextlib.contextmanager
def _every_import_slot_held(server: RunningServer) -> Iterator[None]:
    """Requests importing from a registry that never answers, one after another in each of
    the AT_ONCE slots, until the block ends."""
    done = threading.Event()

    def stuck(host: str) -> None:
        with server.api_client() as api:
            namespace = create_namespace(api)
            source = {"kind": "DockerImage", "name": f"{host}/a/b"}
            body = {"metadata": {"name": "stuck"}, "spec": {"images": [{"from": source}]}}
            while not done.is_set():
                path = f"{IMAGES}/namespaces/{namespace}/imagestreamimports"
                api.post(path, json=body, timeout=300)

    with tarpit() as (host, held):
        threads = [threading.Thread(target=stuck, args=(host,)) for _ in range(AT_ONCE)]
        for thread in threads:
            thread.start()
        wait_for(lambda: len(held) == AT_ONCE, "imports holding every slot")
        try:
            yield
        finally:
            done.set()
    for thread in threads:
        thread.join()


def _scheduled_stream(source: str) -> dict[str, Any]:
    """Stream `app` whose tag v1 follows `source` (plain HTTP) on the server's schedule."""
    tag = {
        "name": "v1",
        "from": {"kind": "DockerImage", "name": source},
        "importPolicy": {"insecure": True, "scheduled": True},
    }
    return {"kind": "ImageStream", "metadata": {"name": "app"}, "spec": {"tags": [tag]}}


@pytest.mark.parametrize("slots_held", [False, True])
def test_a_scheduled_tag_follows_the_upstream_tag_on_its_own(
    every_second: RunningServer, tmp_path: Path, slots_held: bool
) -> None:
    """Even while requests hold every import slot: the scheduler imports outside them."""
    first, second = image(), image()
    held = _every_import_slot_held(every_second) if slots_held else contextlib.nullcontext()
    with third_party(tmp_path / "upstream") as upstream, every_second.api_client() as api, held:
        namespace = create_namespace(api)
        upstream.push("team/app", first, "v1")
        body = _scheduled_stream(f"{upstream.address}/team/app:v1")
        create(api, f"{IMAGES}/namespaces/{namespace}/imagestreams", body)
        upstream.push("team/app", second, "v1")

        def images() -> list[str]:
            stream = api.get(f"{IMAGES}/namespaces/{namespace}/imagestreams/app").json()
            return [i["image"] for t in stream["status"]["tags"] for i in t["items"]]

        # With the slots held, the import when the stream was made was refused: the first
        # image is in the history only if the scheduler took it before the upstream moved.
        wanted = [second.digest] if slots_held else [second.digest, first.digest]
        wait_for(lambda: images()[: len(wanted)] == wanted, "the scheduled re-import")


def test_a_projects_odd_pull_secret_fails_none_of_its_imports_nor_anyone_elses(
    every_second: RunningServer, tmp_path: Path
) -> None:
    first, second = image(), image()
    with third_party(tmp_path / "upstream") as upstream, every_second.api_client() as api:
        upstream.push("team/app", first, "v1")
        body = _scheduled_stream(f"{upstream.address}/team/app:v1")
        odd, other = create_namespace(api), create_namespace(api)
        config = {"auths": {upstream.address: {"auth": 5}}}
        data = {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()}
        secret = {"metadata": {"name": "odd"}, "type": DOCKERCONFIGJSON, "data": data}
        create(api, f"/api/v1/namespaces/{odd}/secrets", secret)
        made = api.post(f"{IMAGES}/namespaces/{odd}/imagestreams", json=body)  # due first
        create(api, f"{IMAGES}/namespaces/{other}/imagestreams", body)
        upstream.push("team/app", second, "v1")

        def images(namespace: str) -> list[str]:
            stream = api.get(f"{IMAGES}/namespaces/{namespace}/imagestreams/app").json()
            return [i["image"] for t in stream["status"]["tags"] for i in t["items"]]

        wanted = [second.digest, first.digest]
        both = (odd, other)
        wait_for(lambda: all(images(n) == wanted for n in both), "the scheduled re-imports")
    assert made.status_code == 201, made.text


@pytest.mark.parametrize("seconds", [0, -5])
def test_the_interval_must_be_positive(seconds: float) -> None:
    with pytest.raises(ConfigError, match="--scheduled-import-interval must be a positive"):
        ServerConfig(scheduled_import_interval=seconds)
