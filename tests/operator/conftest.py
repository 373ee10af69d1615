"""A registry of its own per test, and the `moorage` CLI logged in to it as kubeadmin."""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Cli
from tests.support.clients import logged_requests
from tests.support.images import digest_of
from tests.support.moto import ACCESS_KEY, SECRET_KEY
from tests.support.oci import close_upload, patch_chunk, start_upload
from tests.support.server import RunningServer

CONFIG = "configs.imageregistry.operator.openshift.io/cluster"
NAMESPACE = "openshift-image-registry"
SECRET = "image-registry-private-configuration-user"  # the storage credentials


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[RunningServer]:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "2"])
    yield server.start()
    if server.process is not None and server.process.poll() is None:
        server.stop()


@pytest.fixture
def oc(cluster: RunningServer, tmp_path: Path) -> Cli:
    cli = Cli(tmp_path / "kube" / "config", tmp_path, cluster)
    cli("login", cluster.api_url, "-u", "kubeadmin", "-p", cluster.kubeadmin_password)
    return cli


def get_json(oc: Cli, *args: str) -> Any:
    return json.loads(oc("get", *args, "-o", "json"))


def condition(oc: Cli, kind: str) -> dict[str, str]:
    conditions = get_json(oc, CONFIG).get("status", {}).get("conditions", [])
    return next((c for c in conditions if c["type"] == kind), {})


def settled(oc: Cli) -> bool:
    """The operator has applied the Config's latest generation and the rollout is over."""
    config = get_json(oc, CONFIG)
    status = config.get("status", {})
    progressing = next((c for c in status.get("conditions", []) if c["type"] == "Progressing"), {})
    return (
        status.get("observedGeneration") == config["metadata"]["generation"]
        and progressing.get("status") == "False"
    )


def registry_pods(oc: Cli) -> list[dict[str, Any]]:
    pods = get_json(oc, "pods", "-n", NAMESPACE)["items"]
    return [p for p in pods if p["metadata"]["name"].startswith("image-registry-")]


def wait_for(check: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.2)


def create_credentials(oc: Cli, keys: dict[str, str]) -> None:
    """The storage credentials Secret, as the specification makes it."""
    literals = [f"--from-literal={key}={value}" for key, value in keys.items()]
    oc("create", "secret", "generic", SECRET, *literals, "-n", NAMESPACE)


def create_s3_credentials(oc: Cli, secret_key: str = SECRET_KEY) -> None:
    """The credentials Secret for the test S3 endpoint."""
    create_credentials(
        oc,
        {"REGISTRY_STORAGE_S3_ACCESSKEY": ACCESS_KEY, "REGISTRY_STORAGE_S3_SECRETKEY": secret_key},
    )


def use_s3(oc: Cli, s3: dict[str, Any], management_state: str | None = None) -> None:
    storage: dict[str, Any] = {"s3": {"region": "us-east-1", **s3}}
    if management_state is not None:
        storage["managementState"] = management_state
    oc("patch", CONFIG, "--type", "merge", "-p", json.dumps({"spec": {"storage": storage}}))


def run_on_s3(oc: Cli, s3: dict[str, Any], management_state: str | None = None) -> None:
    """As the specification does it: the credentials Secret, then the Config's storage; until
    the registry runs on the bucket."""
    create_s3_credentials(oc)
    use_s3(oc, s3, management_state)
    wait_for(lambda: serving_s3(oc), "the registry to run on s3", timeout=120)


def serving_s3(oc: Cli) -> bool:
    return serving_on(oc, "s3")


def serving_on(oc: Cli, kind: str) -> bool:
    """The registry runs on spec.storage.`kind` (s3, azure, gcs), rolled out."""
    status = get_json(oc, CONFIG).get("status", {})
    return settled(oc) and kind in status.get("storage", {})


def use_storage(
    oc: Cli, kind: str, spec: dict[str, Any], management_state: str | None = None
) -> None:
    """The specification's patch of the Config's storage to `kind` (azure, gcs, ...)."""
    storage: dict[str, Any] = {kind: spec}
    if management_state is not None:
        storage["managementState"] = management_state
    oc("patch", CONFIG, "--type", "merge", "-p", json.dumps({"spec": {"storage": storage}}))


def run_on(
    oc: Cli,
    kind: str,
    spec: dict[str, Any],
    credentials: dict[str, str],
    management_state: str | None = None,
) -> None:
    """As the specification does it: the credentials Secret, then the Config's storage; until
    the registry runs on it."""
    if credentials:
        create_credentials(oc, credentials)
    use_storage(oc, kind, spec, management_state)
    wait_for(lambda: serving_on(oc, kind), f"the registry to run on {kind}", timeout=120)


def remove_registry(oc: Cli) -> None:
    """managementState Removed, until the operator reports it."""
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Removed"}}')
    wait_for(lambda: condition(oc, "Removed").get("status") == "True", "Removed=True")


def degraded_with(oc: Cli, words: str) -> bool:
    degraded = condition(oc, "Degraded")
    return degraded.get("status") == "True" and words in degraded.get("message", "")


def push_in_small_patches(cluster: RunningServer, data: bytes, step: int) -> None:
    """Upload `data` to openshift/chunked in PATCHes of `step` bytes, each over a connection of
    its own (the kernel spreads them over both replicas, which must both take some), and
    read it back whole."""
    with cluster.registry_client() as http:
        location = start_upload(http, "openshift/chunked")
    for start in range(0, len(data), step):
        with cluster.registry_client() as http:
            chunk = data[start : start + step]
            assert patch_chunk(http, location, chunk, start).status_code == 202
    with cluster.registry_client(timeout=120) as http:
        assert close_upload(http, location, digest_of(data)).status_code == 201
        blob = http.get(f"/v2/openshift/chunked/blobs/{digest_of(data)}", follow_redirects=True)
        assert blob.content == data
    patched_by = [
        pod.name
        for pod in (cluster.data_dir / "logs").glob("image-registry-*.log")
        if any(method == "PATCH" for method, _, _ in logged_requests(pod.read_text()))
    ]
    assert len(patched_by) == 2, "both replicas took PATCHes"
