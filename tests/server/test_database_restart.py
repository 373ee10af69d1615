"""PostgreSQL restarts under steady pulls and pushes; moorage comes back by itself.

While the database is down, requests are answered 503 in their protocol's format
(OCI error UNAVAILABLE, Status ServiceUnavailable, which `moorage get is` reports
as an error), never 500; once it accepts connections again, every request
succeeds, watches go on, and the log holds one line per process for the outage,
not a traceback per request.
"""

import itertools
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.images import OCI_MANIFEST, image, push_blob, push_image
from tests.support.k8s import Object, assert_status
from tests.support.oci import assert_oci_error
from tests.support.postgres import PostgresCluster
from tests.support.server import MOORAGE, RunningServer

IMAGESTREAMS = "/apis/image.openshift.io/v1/namespaces/proj/imagestreams"
Answers = list[httpx.Response]
Request = Callable[[httpx.Client, httpx.Client], Answers]
_tags = itertools.count()


def manifest_get(registry: httpx.Client, _api: httpx.Client) -> Answers:
    return [registry.get("/v2/proj/app/manifests/v1", headers={"Accept": OCI_MANIFEST})]


def token(registry: httpx.Client, _api: httpx.Client) -> Answers:
    scope = "repository:proj/app:pull,push"
    return [registry.get("/openshift/token", params={"scope": scope})]


def push(registry: httpx.Client, _api: httpx.Client) -> Answers:
    """Each request of pushing a new image, up to the first refused."""
    img = image(layers=1, layer_size=1024)
    answers = []
    for blob in img.blobs:
        answers.append(push_blob(registry, "proj/app", blob))
        if answers[-1].status_code != 201:
            return answers
    path = f"/v2/proj/app/manifests/load-{next(_tags)}"
    headers = {"Content-Type": img.media_type}
    return [*answers, registry.put(path, content=img.manifest, headers=headers)]


def get_is(_registry: httpx.Client, api: httpx.Client) -> Answers:
    """`moorage get is`: the image streams of the project."""
    return [api.get(IMAGESTREAMS)]


REQUESTS: dict[str, Request] = {
    "manifest GET": manifest_get,
    "token": token,
    "push": push,
    "get is": get_is,
}


def assert_answered_or_unavailable(response: httpx.Response) -> None:
    """Success, or 503 in the protocol's own error format."""
    if response.is_success:
        return
    if response.url.path.startswith("/apis/"):
        status = assert_status(response, 503, "ServiceUnavailable")
        assert status["details"]["retryAfterSeconds"] > 0, status
    else:
        assert_oci_error(response, 503, "UNAVAILABLE")
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def own_postgres(postgres: PostgresCluster) -> Iterator[PostgresCluster]:
    """A cluster of this test's own, which it stops and starts: the shared one stays up."""
    cluster = PostgresCluster(postgres.bin_dir).start()
    yield cluster
    cluster.stop()


@pytest.fixture
def server(tmp_path: Path, own_postgres: PostgresCluster) -> Iterator[RunningServer]:
    """Two registry workers and the API, their metadata in `own_postgres`."""
    args = ["--workers", "2", "--database-url", own_postgres.create_database()]
    running = RunningServer(tmp_path / "data", tmp_path / "server.log", args)
    try:
        # Three processes connect and migrate first: slow on a busy machine.
        with running.start(timeout=90).registry_client() as registry:
            assert push_image(registry, "proj/app", image(), "v1").status_code == 201
        yield running
    finally:
        if running.process and running.process.poll() is None:
            running.stop()


def steadily(server: RunningServer, request: Request, stop: threading.Event) -> Answers:
    """`request`, again and again until `stop`; every answer."""
    answers: Answers = []
    with server.registry_client() as registry, server.api_client() as api:
        while not stop.is_set():
            answers += request(registry, api)
    return answers


def watch_until_tagged(server: RunningServer, tag: str, started: threading.Event) -> list[Object]:
    """The events of a watch of proj's image streams, up to the one that shows `tag`."""
    events = []
    query = {"watch": "1", "timeoutSeconds": "120"}
    with server.api_client() as api, api.stream("GET", IMAGESTREAMS, params=query) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            events.append(json.loads(line))
            started.set()
            tags = events[-1]["object"].get("status", {}).get("tags", [])
            if any(t["tag"] == tag for t in tags):
                break
    return events


def moorage(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The `moorage` CLI, with its own kubeconfig."""
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    command = [*MOORAGE, *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def each_request(server: RunningServer) -> dict[str, Answers]:
    with server.registry_client() as registry, server.api_client() as api:
        return {name: request(registry, api) for name, request in REQUESTS.items()}


def test_requests_during_a_postgresql_restart_are_503_and_every_request_after_it_succeeds(
    server: RunningServer, own_postgres: PostgresCluster, tmp_path: Path
) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    login = moorage(kubeconfig, "login", server.api_url, "--token", server.admin_token)
    assert login.returncode == 0, login.stderr
    stop, watching = threading.Event(), threading.Event()
    with ThreadPoolExecutor(len(REQUESTS) + 1) as pool:
        load: dict[str, Future[Answers]] = {
            name: pool.submit(steadily, server, request, stop) for name, request in REQUESTS.items()
        }
        watch = pool.submit(watch_until_tagged, server, "after-restart", watching)
        try:
            assert watching.wait(timeout=60), "the watch did not start"
            own_postgres.stop_server()
            during = each_request(server)
            cli_during = moorage(kubeconfig, "get", "is", "-n", "proj")
            own_postgres.start_server()
            after = each_request(server)
            cli_after = moorage(kubeconfig, "get", "is", "-n", "proj")
            with server.registry_client() as registry:
                tagged = push_image(registry, "proj/app", image(), "after-restart")
        finally:
            stop.set()
        events = watch.result(timeout=120)

    for answers in during.values():
        for response in answers:
            assert_answered_or_unavailable(response)
    # Reading the streams and storing an upload need the database; nothing had them cached.
    assert_status(during["get is"][0], 503, "ServiceUnavailable")
    assert during["push"][-1].status_code == 503
    assert cli_during.returncode == 1
    assert cli_during.stderr.startswith("error: ") and "(ServiceUnavailable)" in cli_during.stderr

    for name, answers in after.items():
        assert all(response.is_success for response in answers), (name, answers[-1].text)
    assert cli_after.returncode == 0 and "proj/app" in cli_after.stdout, cli_after.stderr
    assert tagged.status_code == 201
    assert events[-1]["type"] == "MODIFIED"
    assert not [event for event in events if event["type"] == "ERROR"], events

    for name, future in load.items():
        answers = future.result()
        for response in answers:
            assert_answered_or_unavailable(response)
        # The load went on past the restart: its last request came after it and succeeded.
        assert answers[-1].is_success, (name, answers[-1].text)

    log = server.log()
    assert "Traceback" not in log and "unhandled error" not in log, log[-5000:]
    assert "http.response.status=500" not in log
    outages = re.findall(r"the metadata database is unavailable.* instance\.id=(\S+)", log)
    assert outages, log[-5000:]
    assert len(outages) == len(set(outages)), "one line per process for one outage"
