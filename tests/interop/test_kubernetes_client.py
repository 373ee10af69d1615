"""The `kubernetes` Python client, unchanged, against `moorage serve`: CRUD, watch, projects.

The server serves its API over HTTPS (--api-tls), as OpenShift's always is; the client
trusts the CA the server made.
"""

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.support.images import image, push_image
from tests.support.k8s import running_api, unique
from tests.support.kubectl import write_kubeconfig
from tests.support.server import RunningServer

pytestmark = pytest.mark.clients

GROUP, VERSION = "project.openshift.io", "v1"


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from running_api(tmp_path_factory.mktemp("client-api"), api_tls=True)


@pytest.fixture
def api_client(api_server: RunningServer, tmp_path: Path) -> Iterator[client.ApiClient]:
    """A client configured as users configure it: from a kubeconfig (kubeadmin's token)."""
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", api_server, "default")
    configuration = client.Configuration()
    config.load_kube_config(str(kubeconfig), client_configuration=configuration)
    with client.ApiClient(configuration) as api_client:
        yield api_client


@pytest.fixture
def core(api_client: client.ApiClient) -> client.CoreV1Api:
    return client.CoreV1Api(api_client)


@pytest.fixture
def custom(api_client: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(api_client)


@pytest.fixture
def project(custom: client.CustomObjectsApi) -> str:
    name = unique("proj")
    request = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "ProjectRequest",
        "metadata": {"name": name},
    }
    custom.create_cluster_custom_object(GROUP, VERSION, "projectrequests", request)
    return name


class Following:
    """A watch in a thread, recording (type, *describe(object)) until `last` is named."""

    def __init__(
        self,
        list_call: Callable[..., Any],
        args: tuple[str, ...],
        describe: Callable[[Any], tuple[Any, ...]],
        last: str,
    ) -> None:
        self.seen: list[tuple[Any, ...]] = []
        self._watcher = watch.Watch()
        self._thread = threading.Thread(target=self._follow, args=(list_call, args, describe, last))

    def _follow(
        self,
        list_call: Callable[..., Any],
        args: tuple[str, ...],
        describe: Callable[[Any], tuple[Any, ...]],
        last: str,
    ) -> None:
        for event in self._watcher.stream(list_call, *args, timeout_seconds=15):
            described = describe(event["object"])
            self.seen.append((event["type"], *described))
            if described[0] == last:
                self._watcher.stop()

    def start(self) -> "Following":
        """Begin, and return once the watch has delivered the current objects."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.seen and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def finish(self) -> list[tuple[Any, ...]]:
        self._thread.join(20)
        assert not self._thread.is_alive()
        return self.seen


def _stream_tags(obj: dict[str, Any]) -> tuple[str, list[str]]:
    return obj["metadata"]["name"], [t["tag"] for t in obj["status"]["tags"]]


def config_map(name: str, **data: str) -> client.V1ConfigMap:
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name), data=data)


def test_create_read_and_list_config_maps(core: client.CoreV1Api, project: str) -> None:
    created = core.create_namespaced_config_map(project, config_map("settings", mode="fast"))
    assert created.metadata.uid and created.metadata.resource_version
    read = core.read_namespaced_config_map("settings", project)
    assert (read.metadata.namespace, read.data) == (project, {"mode": "fast"})
    core.create_namespaced_config_map(project, config_map("other"))
    listed = core.list_namespaced_config_map(project)
    assert [item.metadata.name for item in listed.items] == ["other", "settings"]
    assert listed.metadata.resource_version


def test_list_with_a_label_selector_and_pages(core: client.CoreV1Api, project: str) -> None:
    for index in range(5):
        body = config_map(f"cm-{index}")
        body.metadata.labels = {"parity": "even" if index % 2 == 0 else "odd"}
        core.create_namespaced_config_map(project, body)
    odd = core.list_namespaced_config_map(project, label_selector="parity=odd")
    assert [item.metadata.name for item in odd.items] == ["cm-1", "cm-3"]
    first = core.list_namespaced_config_map(project, limit=3)
    rest = core.list_namespaced_config_map(project, limit=3, _continue=first.metadata._continue)
    assert [i.metadata.name for i in first.items + rest.items] == [f"cm-{i}" for i in range(5)]


def test_replace_patch_and_delete(core: client.CoreV1Api, project: str) -> None:
    created = core.create_namespaced_config_map(project, config_map("c", k="1"))
    created.data = {"k": "2"}
    replaced = core.replace_namespaced_config_map("c", project, created)
    assert replaced.data == {"k": "2"}
    patched = core.patch_namespaced_config_map("c", project, {"data": {"extra": "3"}})
    assert patched.data == {"k": "2", "extra": "3"}
    core.delete_namespaced_config_map("c", project)
    with pytest.raises(ApiException) as raised:
        core.read_namespaced_config_map("c", project)
    assert raised.value.status == 404


def test_a_stale_replace_is_a_conflict(core: client.CoreV1Api, project: str) -> None:
    created = core.create_namespaced_config_map(project, config_map("c", k="1"))
    core.patch_namespaced_config_map("c", project, {"data": {"k": "2"}})
    created.data = {"k": "stale"}
    with pytest.raises(ApiException) as raised:
        core.replace_namespaced_config_map("c", project, created)
    assert raised.value.status == 409
    assert core.read_namespaced_config_map("c", project).data == {"k": "2"}


def test_secrets_come_back_as_base64_data(core: client.CoreV1Api, project: str) -> None:
    body = client.V1Secret(
        metadata=client.V1ObjectMeta(name="s"), string_data={"password": "hunter2"}
    )
    core.create_namespaced_secret(project, body)
    secret = core.read_namespaced_secret("s", project)
    assert (secret.type, base64.b64decode(secret.data["password"])) == ("Opaque", b"hunter2")


def test_a_watch_sees_an_object_created_while_it_runs(core: client.CoreV1Api, project: str) -> None:
    core.create_namespaced_config_map(project, config_map("before"))
    following = Following(
        core.list_namespaced_config_map, (project,), lambda obj: (obj.metadata.name,), "during"
    ).start()
    core.create_namespaced_config_map(project, config_map("during", k="v"))
    seen = following.finish()
    assert seen == [("ADDED", "before"), ("ADDED", "during")]


def test_projects_through_custom_objects(
    core: client.CoreV1Api, custom: client.CustomObjectsApi, project: str
) -> None:
    got = custom.get_cluster_custom_object(GROUP, VERSION, "projects", project)
    assert (got["kind"], got["status"]["phase"]) == ("Project", "Active")
    listed = custom.list_cluster_custom_object(
        GROUP, VERSION, "projects", field_selector=f"metadata.name={project}"
    )
    assert [item["metadata"]["name"] for item in listed["items"]] == [project]
    assert core.read_namespace(project).metadata.uid == got["metadata"]["uid"]
    custom.delete_cluster_custom_object(GROUP, VERSION, "projects", project)
    with pytest.raises(ApiException) as raised:
        core.read_namespace(project)
    assert raised.value.status == 404


def test_errors_arrive_as_status_objects(core: client.CoreV1Api, project: str) -> None:
    core.create_namespaced_config_map(project, config_map("taken"))
    with pytest.raises(ApiException) as raised:
        core.create_namespaced_config_map(project, config_map("taken"))
    assert raised.value.status == 409
    status = json.loads(raised.value.body)
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "AlreadyExists", 409)


def test_image_streams_are_listed_and_watched_as_pushes_land(
    api_server: RunningServer, custom: client.CustomObjectsApi, project: str
) -> None:
    images = ("image.openshift.io", "v1", project, "imagestreams")
    with api_server.registry_client() as registry:
        push_image(registry, f"{project}/first", image(), "v1")
    following = Following(custom.list_namespaced_custom_object, images, _stream_tags, "second")
    following.start()
    with api_server.registry_client() as registry:
        push_image(registry, f"{project}/second", image(), "latest")
    seen = following.finish()
    assert seen == [("ADDED", "first", ["v1"]), ("ADDED", "second", ["latest"])]
    listed = custom.list_namespaced_custom_object(*images)
    assert [item["metadata"]["name"] for item in listed["items"]] == ["first", "second"]


def _configured(server: RunningServer, **settings: Any) -> client.Configuration:
    configuration = client.Configuration(host=server.api_url, **settings)
    configuration.api_key = {"authorization": f"Bearer {server.admin_token}"}
    configuration.retries = False
    return configuration


def test_a_token_and_the_ca_configured_directly(api_server: RunningServer) -> None:
    configuration = _configured(api_server, ssl_ca_cert=str(api_server.ca_path))
    with client.ApiClient(configuration) as api_client:
        assert client.CoreV1Api(api_client).list_namespace().kind == "NamespaceList"
        review = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(verb="create", resource="projects")
            )
        )
        answer = client.AuthorizationV1Api(api_client).create_self_subject_access_review(review)
        assert answer.status.allowed


def test_without_the_ca_the_servers_certificate_is_refused(api_server: RunningServer) -> None:
    configuration = _configured(api_server)  # the system's CAs
    with client.ApiClient(configuration) as api_client:
        core = client.CoreV1Api(api_client)
        with pytest.raises(ApiException, match="CERTIFICATE_VERIFY_FAILED"):
            core.list_namespace()
