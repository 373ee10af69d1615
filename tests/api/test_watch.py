"""Watch: `?watch=1` streams ADDED/MODIFIED/DELETED lines, resumable from a resourceVersion."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from moorage.store.database import open_engine, sqlite_url
from moorage.store.resources import ResourceStore
from tests.support.k8s import (
    CORE,
    MERGE_PATCH,
    Object,
    assert_status,
    configmap,
    create,
    namespaced,
    summary,
    watch_lines,
)
from tests.support.server import RunningServer


def watch(api: httpx.Client, path: str, timeout: int = 1, **params: str) -> list[Object]:
    """Every event a watch sends until its timeoutSeconds ends it."""
    query = {"watch": "1", "timeoutSeconds": str(timeout), **params}
    with api.stream("GET", path, params=query) as response:
        assert response.status_code == 200
        return watch_lines(response)


def change_and_remove(api: httpx.Client, namespace: str, name: str) -> None:
    path = namespaced(namespace, "configmaps", name)
    response = api.patch(path, json={"data": {"k": "changed"}}, headers=MERGE_PATCH)
    assert response.status_code == 200
    assert api.delete(path).status_code == 200


def test_a_watch_from_nothing_starts_with_the_current_objects(
    api: httpx.Client, namespace: str
) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a"))
    create(api, namespaced(namespace, "configmaps"), configmap("b"))
    events = watch(api, namespaced(namespace, "configmaps"))
    assert summary(events) == [("ADDED", "a"), ("ADDED", "b")]
    assert events[0]["object"]["kind"] == "ConfigMap"


def test_a_watch_streams_changes_made_while_it_is_open(api: httpx.Client, namespace: str) -> None:
    query = {"watch": "1", "timeoutSeconds": "2"}
    with api.stream("GET", namespaced(namespace, "configmaps"), params=query) as response:
        assert response.status_code == 200
        create(api, namespaced(namespace, "configmaps"), configmap("live", {"k": "v"}))
        change_and_remove(api, namespace, "live")
        events = watch_lines(response)
    assert summary(events) == [("ADDED", "live"), ("MODIFIED", "live"), ("DELETED", "live")]
    assert events[1]["object"]["data"] == {"k": "changed"}
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and len(set(versions)) == 3


def test_a_watch_resumes_after_a_resource_version_and_sees_only_later_events(
    api: httpx.Client, namespace: str
) -> None:
    early = create(api, namespaced(namespace, "configmaps"), configmap("early"))
    create(api, namespaced(namespace, "configmaps"), configmap("late", {"k": "v"}))
    change_and_remove(api, namespace, "late")
    resumed = watch(
        api,
        namespaced(namespace, "configmaps"),
        resourceVersion=early["metadata"]["resourceVersion"],
    )
    assert summary(resumed) == [("ADDED", "late"), ("MODIFIED", "late"), ("DELETED", "late")]


def test_a_watch_of_one_namespace_sees_nothing_of_another(
    api: httpx.Client, namespace: str
) -> None:
    start = api.get(namespaced(namespace, "configmaps")).json()["metadata"]["resourceVersion"]
    elsewhere = api.post(f"{CORE}/namespaces", json={"metadata": {"generateName": "other-"}})
    other = elsewhere.json()["metadata"]["name"]
    create(api, namespaced(other, "configmaps"), configmap("theirs"))
    create(api, namespaced(namespace, "configmaps"), configmap("ours"))
    events = watch(api, namespaced(namespace, "configmaps"), resourceVersion=start)
    assert summary(events) == [("ADDED", "ours")]
    everywhere = watch(api, f"{CORE}/configmaps", resourceVersion=start)
    assert {("ADDED", "theirs"), ("ADDED", "ours")} <= set(summary(everywhere))


def test_a_watch_of_one_kind_sees_nothing_of_another(api: httpx.Client, namespace: str) -> None:
    start = api.get(namespaced(namespace, "secrets")).json()["metadata"]["resourceVersion"]
    create(api, namespaced(namespace, "configmaps"), configmap("not-a-secret"))
    assert watch(api, namespaced(namespace, "secrets"), resourceVersion=start) == []


def test_a_watch_applies_label_and_field_selectors(api: httpx.Client, namespace: str) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a", labels={"app": "x"}))
    create(api, namespaced(namespace, "configmaps"), configmap("b", labels={"app": "y"}))
    create(api, namespaced(namespace, "configmaps"), configmap("c", labels={"app": "x"}))
    path = namespaced(namespace, "configmaps")
    assert summary(watch(api, path, labelSelector="app=x")) == [("ADDED", "a"), ("ADDED", "c")]
    assert summary(watch(api, path, fieldSelector="metadata.name=b")) == [("ADDED", "b")]


def test_watch_true_is_the_same_as_watch_1(api: httpx.Client, namespace: str) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a"))
    events = watch(api, namespaced(namespace, "configmaps"), watch="true")
    assert summary(events) == [("ADDED", "a")]


def test_timeout_seconds_ends_the_stream(api: httpx.Client, namespace: str) -> None:
    started = time.monotonic()
    assert watch(api, namespaced(namespace, "configmaps"), timeout=1) == []
    assert 0.9 <= time.monotonic() - started < 5


def test_a_bad_timeout_is_a_bad_request(api: httpx.Client, namespace: str) -> None:
    response = api.get(
        namespaced(namespace, "configmaps"), params={"watch": "1", "timeoutSeconds": "soon"}
    )
    assert_status(response, 400, "BadRequest")


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[RunningServer]:
    running = RunningServer(
        tmp_path / "data", tmp_path / "server.log", ["--workers", "1"], projects=()
    )
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()


def test_resuming_from_a_version_the_log_no_longer_keeps_is_expired(
    own_server: RunningServer,
) -> None:
    with own_server.api_client() as api:
        namespace = create(api, f"{CORE}/namespaces", {"metadata": {"name": "old"}})
        first = create(api, namespaced("old", "configmaps"), configmap("a"))
        for index in range(3):
            create(api, namespaced("old", "configmaps"), configmap(f"b{index}"))
        engine = open_engine(sqlite_url(own_server.data_dir / "metadata.db"))
        try:
            ResourceStore(engine).trim_events(keep=1)
        finally:
            engine.dispose()
        old = namespace["metadata"]["resourceVersion"]
        events = watch(api, namespaced("old", "configmaps"), resourceVersion=old)
        assert [e["type"] for e in events] == ["ERROR"]
        status = events[0]["object"]
        assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
        # A fresh list gives a version to watch from again.
        assert int(first["metadata"]["resourceVersion"]) > int(old)
        fresh = api.get(namespaced("old", "configmaps")).json()["metadata"]["resourceVersion"]
        assert watch(api, namespaced("old", "configmaps"), resourceVersion=fresh) == []


def test_a_watch_whose_client_left_does_not_hold_up_shutdown(own_server: RunningServer) -> None:
    with own_server.api_client() as api:
        with api.stream("GET", f"{CORE}/namespaces", params={"watch": "1"}) as response:
            assert response.status_code == 200
        time.sleep(0.5)  # the server's next poll sees the connection gone
    started = time.monotonic()
    assert own_server.stop(timeout=20) == 0
    assert time.monotonic() - started < 5
