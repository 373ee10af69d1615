"""The Deployment image-registry: a read-only view of the registry's replicas, shown as oc
shows one, whose logs are those of one of its pods, the new ones after a rollout."""

import os
import subprocess

from tests.cli.conftest import Cli
from tests.operator.conftest import CONFIG, NAMESPACE, get_json, registry_pods, settled, wait_for
from tests.support.server import MOORAGE, RunningServer

DEPLOYMENT = "deployments/image-registry"


def _patch(oc: Cli, spec: str) -> None:
    oc("patch", CONFIG, "--type", "merge", "-p", f'{{"spec":{spec}}}')


def _table(oc: Cli) -> list[list[str]]:
    return [line.split() for line in oc("get", "deployment", "-n", NAMESPACE).splitlines()]


def test_the_deployment_shows_the_wanted_and_ready_replicas_as_oc_does(oc: Cli) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    header, *rows = _table(oc)
    assert header == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert [row[:4] for row in rows] == [["image-registry", "2/2", "2", "2"]]
    deployment = get_json(oc, DEPLOYMENT, "-n", NAMESPACE)
    assert deployment["spec"]["strategy"]["type"] == "RollingUpdate"
    assert deployment["spec"]["selector"]["matchLabels"] == {"docker-registry": "default"}
    _patch(oc, '{"replicas":3,"rolloutStrategy":"Recreate"}')
    wait_for(lambda: settled(oc), "three replicas")
    assert _table(oc)[1][:4] == ["image-registry", "3/3", "3", "3"]
    assert get_json(oc, DEPLOYMENT, "-n", NAMESPACE)["spec"] == {
        **deployment["spec"],
        "replicas": 3,
        "strategy": {"type": "Recreate"},
    }
    refused = oc.fails("delete", DEPLOYMENT, "-n", NAMESPACE)
    assert "not supported" in refused


def test_the_deployment_is_written_only_when_what_it_shows_changes(oc: Cli) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    version = get_json(oc, DEPLOYMENT, "-n", NAMESPACE)["metadata"]["resourceVersion"]
    _patch(oc, '{"operatorLogLevel":"Debug"}')  # the replicas stay as they are
    wait_for(lambda: settled(oc), "the operator to see the change")
    assert get_json(oc, DEPLOYMENT, "-n", NAMESPACE)["metadata"]["resourceVersion"] == version


def test_while_removed_there_is_no_deployment(oc: Cli) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    _patch(oc, '{"managementState":"Removed"}')
    wait_for(lambda: not registry_pods(oc), "the replicas to stop")
    wait_for(lambda: "NotFound" in oc.run("get", DEPLOYMENT, "-n", NAMESPACE).stderr, "removal")
    _patch(oc, '{"managementState":"Managed"}')
    wait_for(lambda: settled(oc), "the registry to come back")
    assert _table(oc)[1][:2] == ["image-registry", "2/2"]


def test_after_a_rollout_the_deployment_s_log_is_a_new_pod_s_with_debug_lines(
    cluster: RunningServer, oc: Cli
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    before = {p["metadata"]["name"] for p in registry_pods(oc)}
    command = [*MOORAGE, "logs", "-f", DEPLOYMENT, "-n", NAMESPACE]
    environment = {**os.environ, "KUBECONFIG": str(oc.kubeconfig)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=environment) as old:
        _patch(oc, '{"logLevel":"Debug"}')
        wait_for(lambda: settled(oc), "the rollout to Debug")
        old.wait(timeout=60)  # its pod is gone: following it ends
    shown = oc.run("logs", DEPLOYMENT, "-n", NAMESPACE)
    chosen = shown.stderr.split("using pod/")[1].split()[0]
    assert shown.stderr == f"Found 2 pods, using pod/{chosen}\n"
    assert chosen not in before
    assert chosen in {p["metadata"]["name"] for p in registry_pods(oc)}
    assert "level=debug" in shown.stdout
