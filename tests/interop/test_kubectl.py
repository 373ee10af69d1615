"""kubectl, unchanged, against `moorage serve`: get, create -f, apply -f, patch, delete, get -w.

kubectl's imperative commands (`kubectl create configmap ...`) send protobuf, which
the server refuses with 415; these tests use the declarative forms, as the issue asks.
client-go sends a bearer token only over https, so the server serves its API with
--api-tls; the tests at the end use the kubeconfig `moorage login` writes.
"""

import base64
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.k8s import (
    MERGE_PATCH,
    Object,
    configmap,
    create,
    namespaced,
    request_project,
    running_api,
)
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.requirements import require
from tests.support.server import MOORAGE, RunningServer

pytestmark = pytest.mark.clients

require("kubectl")


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from running_api(tmp_path_factory.mktemp("kubectl-api"), api_tls=True)


@pytest.fixture
def api(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.api_client() as client:
        yield client


@pytest.fixture
def project(api: httpx.Client) -> str:
    return request_project(api)["metadata"]["name"]


@pytest.fixture
def kubectl(api_server: RunningServer, project: str, tmp_path: Path) -> Kubectl:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api_server, project)
    return Kubectl(kubeconfig, tmp_path / "home")


def manifests(*objects: Object) -> str:
    return yaml.safe_dump_all(objects)


def read(api: httpx.Client, project: str, plural: str, name: str) -> Object:
    response = api.get(namespaced(project, plural, name))
    assert response.status_code == 200, response.text
    return response.json()


def test_get_lists_and_reads_objects_as_yaml(
    api: httpx.Client, project: str, kubectl: Kubectl
) -> None:
    create(api, namespaced(project, "configmaps"), configmap("first", {"k": "1"}))
    create(api, namespaced(project, "configmaps"), configmap("second", {"k": "2"}))
    listed = yaml.safe_load(kubectl("get", "configmaps", "-o", "yaml"))
    assert [item["metadata"]["name"] for item in listed["items"]] == ["first", "second"]
    one = yaml.safe_load(kubectl("get", "cm", "second", "-o", "yaml"))
    assert (one["kind"], one["metadata"]["namespace"], one["data"]) == (
        "ConfigMap",
        project,
        {"k": "2"},
    )


def test_get_with_jsonpath(api: httpx.Client, project: str, kubectl: Kubectl) -> None:
    create(api, namespaced(project, "configmaps"), configmap("a", {"colour": "blue"}))
    create(api, namespaced(project, "configmaps"), configmap("b", {"colour": "red"}))
    assert kubectl("get", "configmaps", "-o", "jsonpath={.items[*].metadata.name}") == "a b"
    assert kubectl("get", "configmap", "b", "-o", "jsonpath={.data.colour}") == "red"


def test_get_shows_a_table_and_selects_by_label(
    api: httpx.Client, project: str, kubectl: Kubectl
) -> None:
    create(api, namespaced(project, "configmaps"), configmap("web", labels={"tier": "web"}))
    create(api, namespaced(project, "configmaps"), configmap("db", labels={"tier": "db"}))
    table = kubectl("get", "configmaps", "-l", "tier=web")
    assert table.splitlines()[0].split()[0] == "NAME"
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["web"]


def test_get_projects_and_namespaces_by_name(project: str, kubectl: Kubectl) -> None:
    assert f"project.project.openshift.io/{project}" in kubectl("get", "projects", "-o", "name")
    assert kubectl("get", "ns", project, "-o", "jsonpath={.status.phase}") == "Active"


def test_create_from_a_file_of_several_objects(
    api: httpx.Client, project: str, kubectl: Kubectl, tmp_path: Path
) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(
        manifests(
            configmap("settings", {"mode": "fast"}),
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "credentials"},
                "stringData": {"password": "hunter2"},
            },
        )
    )
    output = kubectl("create", "-f", str(path))
    assert "configmap/settings created" in output
    assert "secret/credentials created" in output
    assert read(api, project, "configmaps", "settings")["data"] == {"mode": "fast"}
    secret = read(api, project, "secrets", "credentials")
    assert base64.b64decode(secret["data"]["password"]) == b"hunter2"


def test_create_of_an_existing_object_fails_with_the_servers_reason(
    api: httpx.Client, project: str, kubectl: Kubectl, tmp_path: Path
) -> None:
    create(api, namespaced(project, "configmaps"), configmap("taken", {"k": "original"}))
    path = tmp_path / "taken.yaml"
    path.write_text(manifests(configmap("taken", {"k": "other"})))
    assert "AlreadyExists" in kubectl.fails("create", "-f", str(path))
    assert read(api, project, "configmaps", "taken")["data"] == {"k": "original"}


def test_create_of_an_invalid_object_reports_the_field(
    api: httpx.Client, project: str, kubectl: Kubectl, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(manifests({**configmap("bad"), "spec": {"replicas": 1}}))
    assert "spec" in kubectl.fails("create", "-f", str(path))
    assert api.get(namespaced(project, "configmaps", "bad")).status_code == 404


def test_apply_creates_then_changes_and_prunes_keys(
    api: httpx.Client, project: str, kubectl: Kubectl, tmp_path: Path
) -> None:
    path = tmp_path / "applied.yaml"
    path.write_text(manifests(configmap("applied", {"keep": "1", "change": "old", "drop": "x"})))
    assert "configmap/applied created" in kubectl("apply", "-f", str(path))
    first = read(api, project, "configmaps", "applied")
    path.write_text(manifests(configmap("applied", {"keep": "1", "change": "new"})))
    assert "configmap/applied configured" in kubectl("apply", "-f", str(path))
    second = read(api, project, "configmaps", "applied")
    assert second["data"] == {"keep": "1", "change": "new"}
    assert second["metadata"]["uid"] == first["metadata"]["uid"]
    applied = second["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert json.loads(applied)["data"] == {"keep": "1", "change": "new"}
    assert "configmap/applied unchanged" in kubectl("apply", "-f", str(path))


def test_patch_with_a_merge_patch(api: httpx.Client, project: str, kubectl: Kubectl) -> None:
    create(api, namespaced(project, "configmaps"), configmap("p", {"a": "1", "b": "2"}))
    patch = json.dumps({"data": {"a": "changed", "b": None}})
    assert "patched" in kubectl("patch", "configmap", "p", "--type", "merge", "-p", patch)
    assert read(api, project, "configmaps", "p")["data"] == {"a": "changed"}


def test_patch_with_a_json_patch(api: httpx.Client, project: str, kubectl: Kubectl) -> None:
    create(api, namespaced(project, "configmaps"), configmap("p", {"a": "1", "b": "2"}))
    patch = json.dumps(
        [{"op": "remove", "path": "/data/a"}, {"op": "add", "path": "/data/c", "value": "3"}]
    )
    kubectl("patch", "configmap/p", "--type", "json", "-p", patch)
    assert read(api, project, "configmaps", "p")["data"] == {"b": "2", "c": "3"}


def test_a_json_patch_that_does_not_apply_fails_and_changes_nothing(
    api: httpx.Client, project: str, kubectl: Kubectl
) -> None:
    created = create(api, namespaced(project, "configmaps"), configmap("p", {"a": "1"}))
    patch = json.dumps([{"op": "remove", "path": "/data/missing"}])
    kubectl.fails("patch", "configmap", "p", "--type", "json", "-p", patch)
    assert read(api, project, "configmaps", "p") == created


def test_delete_removes_the_object(api: httpx.Client, project: str, kubectl: Kubectl) -> None:
    create(api, namespaced(project, "configmaps"), configmap("gone"))
    assert 'configmap "gone" deleted' in kubectl("delete", "configmap", "gone")
    assert api.get(namespaced(project, "configmaps", "gone")).status_code == 404
    assert "NotFound" in kubectl.fails("get", "configmap", "gone")


def test_get_watch_sees_changes_made_through_the_api(
    api: httpx.Client, project: str, kubectl: Kubectl
) -> None:
    create(api, namespaced(project, "configmaps"), configmap("before", {"k": "v"}))
    watching = kubectl.watch("get", "configmaps", "-w", "--output-watch-events", "-o", "json")
    try:
        watching.wait_for(1)  # the current object: the watch has begun
        create(api, namespaced(project, "configmaps"), configmap("during", {"k": "v"}))
        changed = api.patch(
            namespaced(project, "configmaps", "during"),
            json={"data": {"k": "changed"}},
            headers=MERGE_PATCH,
        )
        assert changed.status_code == 200
        assert api.delete(namespaced(project, "configmaps", "during")).status_code == 200
        events = watching.wait_for(4)
    finally:
        watching.stop()
    seen = [(e["type"], e["object"]["metadata"]["name"]) for e in events]
    assert seen == [
        ("ADDED", "before"),
        ("ADDED", "during"),
        ("MODIFIED", "during"),
        ("DELETED", "during"),
    ]
    assert events[2]["object"]["data"] == {"k": "changed"}


IMAGE_STREAMS = "/apis/image.openshift.io/v1/namespaces/{}/imagestreams"
A_TOKEN_NOBODY_HAS = "sha256~" + "A" * 43


@pytest.fixture
def logged_in(api_server: RunningServer, project: str, tmp_path: Path) -> Kubectl:
    """kubectl with the kubeconfig that `moorage login https://... --certificate-authority
    ca.crt -u kubeadmin -p ...` wrote, in the test's project."""
    kubeconfig = tmp_path / "kubeconfig"
    login = [
        *MOORAGE,
        "login",
        api_server.api_url,
        "--certificate-authority",
        str(api_server.ca_path),
        "-u",
        "kubeadmin",
        "-p",
        api_server.kubeadmin_password,
        "-n",
        project,
    ]
    environment = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    done = subprocess.run(login, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return Kubectl(kubeconfig, tmp_path / "home")


def test_over_https_kubectl_gets_imagestreams(
    api: httpx.Client, project: str, logged_in: Kubectl
) -> None:
    create(api, IMAGE_STREAMS.format(project), {"metadata": {"name": "app"}})
    assert logged_in("get", "imagestreams", "-o", "name") == "imagestream.image.openshift.io/app\n"


def test_over_https_kubectl_auth_can_i(logged_in: Kubectl) -> None:
    assert logged_in("auth", "can-i", "create", "imagestreams") == "yes\n"
    refused = logged_in.run(
        "auth", "can-i", "create", "imagestreams", "--as", "nobody", check=False
    )
    assert (refused.returncode, refused.stdout) == (1, "no\n"), refused.stderr


def test_over_https_kubectl_creates_from_a_file(
    api: httpx.Client, project: str, logged_in: Kubectl, tmp_path: Path
) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(manifests(configmap("settings", {"mode": "fast"})))
    assert "configmap/settings created" in logged_in("create", "-f", str(path))
    assert read(api, project, "configmaps", "settings")["data"] == {"mode": "fast"}


def test_over_https_a_wrong_token_is_unauthorized(logged_in: Kubectl) -> None:
    logged_in("get", "imagestreams")  # discovery is cached: the next request is the one refused
    config = yaml.safe_load(logged_in.kubeconfig.read_text())
    [user] = config["users"]
    user["user"]["token"] = A_TOKEN_NOBODY_HAS
    logged_in.kubeconfig.write_text(yaml.safe_dump(config))
    refused = logged_in.fails("get", "imagestreams")
    assert "error: You must be logged in to the server (Unauthorized)" in refused


def test_kubectl_logs_a_deployment_s_pod_and_its_last_lines(kubectl: Kubectl) -> None:
    where = ("-n", "openshift-image-registry")
    log = kubectl("logs", "deployment/image-registry", *where)
    assert 'msg="registry listening on' in log
    assert len(kubectl("logs", "deployment/image-registry", "--tail=2", *where).splitlines()) == 2
