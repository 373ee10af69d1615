"""Chapters 2-3 of the specification, run as written with `moorage` for `oc`: the Config
the operator makes at first start, managementState, emptyDir, Recreate, and what the
operator reports (pods, ClusterOperator, conditions)."""

from pathlib import Path

import httpx

from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    NAMESPACE,
    condition,
    get_json,
    registry_pods,
    settled,
    wait_for,
)
from tests.support.images import image, push_image
from tests.support.server import RunningServer


def _registry_answers(cluster: RunningServer) -> bool:
    try:
        return httpx.get(f"{cluster.url}/v2/", timeout=2).status_code == 401
    except httpx.TransportError:
        return False


def _patch_to_managed_as_written(oc: Cli) -> None:
    """Specification 3.4.2's command, as written there."""
    oc(
        "patch", "configs.imageregistry.operator.openshift.io", "cluster",
        "--type", "merge", "--patch", '{"spec": {"managementState": "Managed"}}',
    )  # fmt: skip


def test_the_first_start_makes_the_config_and_the_system_namespaces(oc: Cli) -> None:
    spec = get_json(oc, CONFIG)["spec"]
    assert spec["managementState"] == "Managed"
    assert spec["replicas"] == 2
    claim = {"claim": "image-registry-storage"}
    assert spec["storage"] == {"pvc": claim, "managementState": "Unmanaged"}
    assert len(spec["httpSecret"]) >= 64
    namespaces = {n["metadata"]["name"] for n in get_json(oc, "namespaces")["items"]}
    assert {"openshift", "openshift-image-registry", "openshift-config"} <= namespaces


def test_pods_and_the_cluster_operator_show_the_registry_as_oc_prints_them(oc: Cli) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    pods = oc("get", "pods", "-n", NAMESPACE).splitlines()
    assert pods[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = [line.split() for line in pods[1:]]
    assert sorted(r[0].rsplit("-", 2)[0] for r in rows) == [
        "cluster-image-registry",
        "image-registry",
        "image-registry",
    ]
    assert all(r[1:4] == ["1/1", "Running", "0"] for r in rows)
    operator = oc("get", "clusteroperator", "image-registry").splitlines()
    assert operator[0].split() == [
        "NAME",
        "VERSION",
        "AVAILABLE",
        "PROGRESSING",
        "DEGRADED",
        "SINCE",
        "MESSAGE",
    ]
    assert operator[1].split()[0] == "image-registry"
    assert operator[1].split()[2:5] == ["True", "False", "False"]


def test_removed_stops_the_registry_and_managed_brings_it_back_with_its_images(
    cluster: RunningServer, oc: Cli
) -> None:
    img = image()
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/kept", img, "v1").status_code == 201
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Removed"}}')
    wait_for(lambda: not _registry_answers(cluster), "the registry to stop")
    wait_for(lambda: condition(oc, "Removed").get("status") == "True", "Removed=True")
    assert registry_pods(oc) == []
    assert oc("get", "projects")  # the API stays up
    _patch_to_managed_as_written(oc)
    wait_for(lambda: _registry_answers(cluster), "the registry to come back")
    wait_for(lambda: condition(oc, "Removed").get("status") == "False", "Removed=False")
    with cluster.registry_client() as http:
        assert http.get("/v2/openshift/kept/manifests/v1").content == img.manifest


def test_unmanaged_leaves_the_registry_as_it_runs(oc: Cli) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    before = sorted(p["metadata"]["name"] for p in registry_pods(oc))
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Unmanaged"}}')
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"replicas":3,"logLevel":"Debug"}}')
    # The operator still reports: once it has seen the change, nothing may have moved.
    generation = get_json(oc, CONFIG)["metadata"]["generation"]
    wait_for(
        lambda: get_json(oc, CONFIG)["status"].get("observedGeneration") == generation,
        "the operator to see the change",
    )
    assert sorted(p["metadata"]["name"] for p in registry_pods(oc)) == before


def test_empty_dir_needs_one_replica_and_recreate_with_one_applies_it(
    cluster: RunningServer, oc: Cli
) -> None:
    oc(
        "patch", "configs.imageregistry.operator.openshift.io", "cluster",
        "--type", "merge", "--patch", '{"spec": {"storage":{"emptyDir":{}}}}',
    )  # fmt: skip
    wait_for(lambda: condition(oc, "Degraded").get("status") == "True", "Degraded=True")
    message = condition(oc, "Degraded")["message"]
    assert "set spec.replicas to 1 (it is 2)" in message
    assert _registry_answers(cluster)  # the last good configuration keeps serving
    degraded = oc("get", "clusteroperator", "image-registry")
    assert "set spec.replicas to 1" in degraded
    oc(
        "patch", "config.imageregistry.operator.openshift.io/cluster", "--type=merge",
        "-p", '{"spec": {"rolloutStrategy": "Recreate", "replicas": 1}}',
    )  # fmt: skip
    wait_for(lambda: settled(oc) and len(registry_pods(oc)) == 1, "one emptyDir replica")
    config = get_json(oc, CONFIG)
    assert config["status"]["storage"] == {"emptyDir": {}}
    assert condition(oc, "Degraded")["status"] == "False"


def test_a_config_that_cannot_be_valid_is_refused_naming_the_field(oc: Cli) -> None:
    before = get_json(oc, CONFIG)["spec"]
    error = oc.fails("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"replicas":-1}}')
    assert "spec.replicas" in error
    error = oc.fails(
        "patch", CONFIG, "--type", "merge", "-p", '{"spec":{"rolloutStrategy":"Sideways"}}'
    )
    assert "spec.rolloutStrategy" in error
    assert get_json(oc, CONFIG)["spec"] == before


def test_a_deleted_config_is_made_again(oc: Cli) -> None:
    oc("delete", CONFIG)
    wait_for(lambda: oc.run("get", CONFIG).returncode == 0, "the Config to be made again")


def test_a_registry_bootstrapped_as_removed_starts_once_patched_to_managed(
    tmp_path: Path,
) -> None:
    """2.2.1 and 3.4.2: without shared storage the operator bootstraps as Removed; the
    procedure's patch to Managed starts the registry."""
    flags = ["--workers", "1", "--management-state", "Removed"]
    removed = RunningServer(tmp_path / "data", tmp_path / "server.log", flags)
    removed.start(registry=False)
    try:
        oc = Cli(tmp_path / "kube" / "config", tmp_path, removed)
        oc("login", removed.api_url, "-u", "kubeadmin", "-p", removed.kubeadmin_password)
        wait_for(lambda: condition(oc, "Removed").get("status") == "True", "Removed=True")
        assert get_json(oc, CONFIG)["spec"]["managementState"] == "Removed"
        assert not _registry_answers(removed)
        assert registry_pods(oc) == []
        _patch_to_managed_as_written(oc)
        wait_for(lambda: _registry_answers(removed), "the registry to start")
        wait_for(lambda: condition(oc, "Available").get("status") == "True", "Available=True")
        assert condition(oc, "Removed").get("status") == "False"
        assert removed.stop() == 0
        removed.start()  # the same flag again: the Config decides now, and the log says so
        assert "decides spec.managementState (Managed), not --management-state Removed" in (
            removed.log()
        )
    finally:
        removed.stop()
