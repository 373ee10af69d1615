"""Each setting of the Config reaches the registry's replicas: readOnly, logLevel,
replicas, httpSecret; a rolling update loses no request; a replica that dies comes back."""

import os
import re
import signal
import threading
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    NAMESPACE,
    get_json,
    registry_pods,
    settled,
    wait_for,
)
from tests.support.clients import ClientFailed, Sandbox
from tests.support.images import digest_of, image, push_blob, push_image, write_oci_layout
from tests.support.requirements import require
from tests.support.server import RunningServer


def _patch(oc: Cli, spec: str) -> None:
    oc("patch", CONFIG, "--type", "merge", "-p", f'{{"spec":{spec}}}')


def _applied(oc: Cli, spec: str) -> None:
    _patch(oc, spec)
    wait_for(lambda: settled(oc), f"the registry to run with {spec}")


def test_read_only_refuses_pushes_and_deletes_and_pulls_go_on(
    cluster: RunningServer, oc: Cli, tmp_path: Path
) -> None:
    require("skopeo")
    img = image()
    layout = write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])
    skopeo = Sandbox(tmp_path / "skopeo").log_in(cluster.address, *cluster.registry_auth)
    target = f"docker://{cluster.address}/openshift/app"
    skopeo.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"{target}:v1")
    with cluster.registry_client() as http:
        pushed = http.get("/v2/openshift/app/manifests/v1").content  # skopeo compressed it
    _applied(oc, '{"readOnly":true}')
    with pytest.raises(ClientFailed, match="read-only mode"):
        skopeo.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"{target}:v2")
    with cluster.registry_client() as http:
        refused = http.delete(f"/v2/openshift/app/manifests/{digest_of(pushed)}")
        assert refused.status_code == 405
        assert refused.json()["errors"][0]["code"] == "UNSUPPORTED"
    pulled = tmp_path / "pulled"
    skopeo.skopeo("copy", "--src-tls-verify=false", f"{target}:v1", f"dir:{pulled}")
    assert (pulled / "manifest.json").read_bytes() == pushed
    _applied(oc, '{"readOnly":false}')
    skopeo.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", f"{target}:v2")
    skopeo.close()


def test_changes_roll_out_under_steady_pulls_without_a_failed_request(
    cluster: RunningServer, oc: Cli
) -> None:
    img = image(layers=1, layer_size=256 * 1024)
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/busy", img, "v1").status_code == 201
    wait_for(lambda: settled(oc), "the first rollout")
    outcomes: list[int | str] = []
    stop = threading.Event()

    def pull() -> None:
        with cluster.registry_client(timeout=30) as http:
            while not stop.is_set():
                try:
                    manifest = http.get("/v2/openshift/busy/manifests/v1")
                    layer = http.get(f"/v2/openshift/busy/blobs/{digest_of(img.blobs[0])}")
                    ok = manifest.content == img.manifest and layer.content == img.blobs[0]
                    outcomes.append(200 if ok else f"{manifest.status_code}/{layer.status_code}")
                except httpx.TransportError as error:
                    outcomes.append(repr(error))

    pullers = [threading.Thread(target=pull) for _ in range(2)]
    for puller in pullers:
        puller.start()
    try:
        for change in ('{"logLevel":"Debug"}', '{"replicas":3}', '{"logLevel":"Normal"}'):
            _applied(oc, change)
    finally:
        stop.set()
        for puller in pullers:
            puller.join(60)
    failures = [o for o in outcomes if o != 200]
    assert failures == []
    assert len(outcomes) > 50
    assert len(registry_pods(oc)) == 3


def test_the_log_level_reaches_the_replicas(cluster: RunningServer, oc: Cli) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    debug_lines = cluster.log().count("level=debug")
    _applied(oc, '{"logLevel":"Debug"}')
    with cluster.registry_client() as http:
        http.get("/v2/")
    wait_for(lambda: cluster.log().count("level=debug") > debug_lines, "debug lines")


def test_the_operator_log_level_is_how_much_the_operator_says(
    cluster: RunningServer, oc: Cli
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    assert "applying generation" not in cluster.log()
    _patch(oc, '{"operatorLogLevel":"Debug"}')
    _applied(oc, '{"replicas":1}')
    assert re.search(r'level=debug msg="applying generation \d+: revision', cluster.log())


def test_a_replica_that_dies_is_restarted_and_its_restarts_counted(
    cluster: RunningServer, oc: Cli
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    pids = re.findall(r'msg="registry listening on [^"]+" pid=(\d+)', cluster.log())
    pod = _pod_that_logged(oc, f"pid={pids[0]}")
    refused = oc.fails("logs", "-p", pod, "-n", NAMESPACE)
    assert f'previous terminated container "registry" in pod "{pod}" not found' in refused
    os.kill(int(pids[0]), signal.SIGKILL)

    def restarted() -> bool:
        restarts = [p["status"]["containerStatuses"][0]["restartCount"] for p in registry_pods(oc)]
        return sorted(restarts) == [0, 1] and settled(oc)

    wait_for(restarted, "the replica to be restarted")
    assert "Running" in oc("get", "pods", "-n", "openshift-image-registry")
    assert f"pid={pids[0]}" in oc("logs", "--previous", pod, "-n", NAMESPACE)
    assert f"pid={pids[0]}" not in oc("logs", pod, "-n", NAMESPACE)


def _pod_that_logged(oc: Cli, text: str) -> str:
    names = [pod["metadata"]["name"] for pod in registry_pods(oc)]
    return next(name for name in names if text in oc("logs", name, "-n", NAMESPACE))


def test_an_upload_started_before_a_rollout_finishes_after_it(
    cluster: RunningServer, oc: Cli
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    data = os.urandom(4096)
    with cluster.registry_client() as http:
        started = http.post("/v2/openshift/up/blobs/uploads/")
        assert started.status_code == 202
        location = started.headers["Location"]
        _applied(oc, '{"logLevel":"Debug"}')  # every replica replaced
        finished = http.put(location, params={"digest": digest_of(data)}, content=data)
        assert finished.status_code == 201


def test_an_emptied_http_secret_is_generated_again(cluster: RunningServer, oc: Cli) -> None:
    before = get_json(oc, CONFIG)["spec"]["httpSecret"]
    _patch(oc, '{"httpSecret":""}')
    wait_for(lambda: get_json(oc, CONFIG)["spec"].get("httpSecret"), "a new httpSecret")
    after = get_json(oc, CONFIG)["spec"]["httpSecret"]
    assert after != before and len(after) >= 64
    wait_for(lambda: settled(oc), "the rollout with the new secret")
    assert "generated spec.httpSecret" in cluster.log()
    assert after not in cluster.log() and before not in cluster.log()


def test_pushes_work_after_any_rollout(cluster: RunningServer, oc: Cli) -> None:
    _applied(oc, '{"replicas":1,"rolloutStrategy":"Recreate"}')
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/after", b"after").status_code == 201
