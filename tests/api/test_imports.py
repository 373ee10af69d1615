"""ImageStreamImport and image streams whose spec tags name another registry's image:
imports from Debian's docker-registry, recorded as OpenShift records them (Images, tag
history by digest, ImportSuccess conditions), under the cluster's rules, trust and proxy."""

import base64
import contextlib
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from moorage.imagestreams.import_settings import IMPORT_BYTES
from moorage.imagestreams.importing import MAX_CONFIG_BYTES, server_platform
from moorage.imagestreams.imports import AT_ONCE
from tests.operator.conftest import wait_for
from tests.support.connect_proxy import loopback_proxy
from tests.support.images import (
    OCI_CONFIG,
    OCI_INDEX,
    Image,
    descriptor,
    digest_of,
    image,
    index,
)
from tests.support.imports import import_one
from tests.support.k8s import MERGE_PATCH, configmap, create, namespaced
from tests.support.oci import put_manifest
from tests.support.server import RunningServer
from tests.support.tarpit import tarpit
from tests.support.third_party import ThirdParty, third_party
from tests.support.token_front import token_front

IMAGES = "/apis/image.openshift.io/v1"
IMAGE_CONFIG = "/apis/config.openshift.io/v1/images/cluster"
REGISTRY_CONFIG = "/apis/imageregistry.operator.openshift.io/v1/configs/cluster"
UNRESOLVABLE = "registry.example.test"

Object = dict[str, Any]


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[ThirdParty]:
    with third_party(tmp_path / "plain") as registry:
        yield registry


@pytest.fixture
def cluster_spec(api: httpx.Client) -> Iterator[Callable[[str, Object], None]]:
    """Patches the cluster's image config or the registry Config; puts them back after."""
    saved = {path: api.get(path).json()["spec"] for path in (IMAGE_CONFIG, REGISTRY_CONFIG)}

    def patch(path: str, spec: Object) -> None:
        response = api.patch(path, json={"spec": spec}, headers=MERGE_PATCH)
        assert response.status_code == 200, response.text

    yield patch
    for path, spec in saved.items():
        current = api.get(path).json()
        assert api.put(path, json={**current, "spec": spec}).status_code == 200


def _import(api: httpx.Client, namespace: str, stream: str, source: str, **policy: Any) -> Object:
    return import_one(api, namespace, stream, source, importPolicy=policy)


def _tag(stream: Object, name: str = "latest") -> Object:
    return next(t for t in stream["status"]["tags"] if t["tag"] == name)


def _stream(api: httpx.Client, namespace: str, name: str) -> Object:
    return api.get(f"{IMAGES}/namespaces/{namespace}/imagestreams/{name}").json()


def _docker_secret(api: httpx.Client, namespace: str, server: str, user: str, pw: str) -> None:
    auth = base64.b64encode(f"{user}:{pw}".encode()).decode()
    config = {"auths": {server: {"username": user, "password": pw, "auth": auth}}}
    data = {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()}
    secret = {
        "kind": "Secret",
        "metadata": {"name": "pull"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": data,
    }
    create(api, namespaced(namespace, "secrets"), secret)


def test_an_import_makes_the_stream_its_image_and_a_tag_event_by_digest(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    img = image()
    plain.push("team/app", img, "v1")
    source = f"{plain.address}/team/app:v1"
    answer = _import(api, namespace, "app", source, insecure=True)
    (status,) = answer["status"]["images"]
    assert status["status"]["status"] == "Success"
    assert status["image"]["metadata"]["name"] == img.digest
    assert status["image"]["dockerImageMetadata"]["Architecture"] == "amd64"
    (event,) = _tag(answer["status"]["import"])["items"]
    assert event["image"] == img.digest
    assert event["dockerImageReference"] == f"{plain.address}/team/app@{img.digest}"
    spec_tag = _stream(api, namespace, "app")["spec"]["tags"][0]
    assert spec_tag["from"] == {"kind": "DockerImage", "name": source}
    assert spec_tag["importPolicy"]["insecure"] is True
    assert api.get(f"{IMAGES}/images/{img.digest}").status_code == 200


def test_a_re_import_after_the_upstream_tag_moved_adds_to_the_history(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    first, second = image(), image()
    plain.push("team/app", first, "v1")
    source = f"{plain.address}/team/app:v1"
    _import(api, namespace, "app", source, insecure=True)
    plain.push("team/app", second, "v1")
    items = _tag(_import(api, namespace, "app", source, insecure=True)["status"]["import"])
    assert [i["image"] for i in items["items"]] == [second.digest, first.digest]


def test_plain_http_needs_the_insecure_flag_and_the_failure_is_the_tags_condition(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    plain.push("team/app", image(), "v1")
    source = f"{plain.address}/team/app:v1"
    refused = _import(api, namespace, "app", source)
    (status,) = refused["status"]["images"]
    message = f"the repository {plain.address} is HTTP only and requires the insecure flag"
    assert message in status["status"]["message"]
    (condition,) = _tag(refused["status"]["import"])["conditions"]
    assert condition["type"] == "ImportSuccess"
    assert condition["status"] == "False"
    assert message in condition["message"]
    fixed = _tag(_import(api, namespace, "app", source, insecure=True)["status"]["import"])
    assert "conditions" not in fixed and len(fixed["items"]) == 1


def test_an_unknown_tag_is_not_found(api: httpx.Client, namespace: str, plain: ThirdParty) -> None:
    plain.push("team/app", image(), "v1")
    answer = _import(api, namespace, "app", f"{plain.address}/team/app:nope", insecure=True)
    (status,) = answer["status"]["images"]
    assert (status["status"]["reason"], status["status"]["code"]) == ("NotFound", 404)


def test_a_blocked_registry_is_refused_naming_the_rule(
    api: httpx.Client, namespace: str, plain: ThirdParty, cluster_spec: Callable[..., None]
) -> None:
    cluster_spec(IMAGE_CONFIG, {"registrySources": {"blockedRegistries": [plain.address]}})
    answer = _import(api, namespace, "app", f"{plain.address}/team/app:v1", insecure=True)
    (status,) = answer["status"]["images"]
    assert status["status"]["reason"] == "Forbidden"
    assert "spec.registrySources.blockedRegistries" in status["status"]["message"]
    allowed = {"allowedRegistries": ["quay.io"], "blockedRegistries": None}
    cluster_spec(IMAGE_CONFIG, {"registrySources": allowed})
    answer = _import(api, namespace, "app", f"{plain.address}/team/app:v1", insecure=True)
    assert "is not in spec.registrySources.allowedRegistries" in str(answer["status"]["images"])


def test_a_blocked_registry_is_refused_however_its_address_is_spelled(
    api: httpx.Client, namespace: str, plain: ThirdParty, cluster_spec: Callable[..., None]
) -> None:
    plain.push("team/app", image(), "v1")
    cluster_spec(IMAGE_CONFIG, {"registrySources": {"blockedRegistries": [plain.address]}})
    for host in ("127.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]"):
        source = f"{host}:{plain.port}/team/app:v1"
        (status,) = _import(api, namespace, "app", source, insecure=True)["status"]["images"]
        assert status["status"]["reason"] == "Forbidden", source
        assert "spec.registrySources.blockedRegistries" in status["status"]["message"]


@contextlib.contextmanager
def _redirecting_to(target: str) -> Iterator[str]:
    """A registry that answers /v2/ and sends every other request on to `target`."""

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/v2/" else 307)
            if self.path != "/v2/":
                self.send_header("Location", f"http://{target}{self.path}")
            self.send_header("Content-Length", "0")
            self.end_headers()

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def test_a_redirect_to_a_blocked_registry_is_refused_naming_the_rule(
    api: httpx.Client, namespace: str, plain: ThirdParty, cluster_spec: Callable[..., None]
) -> None:
    img = image()
    plain.push("team/app", img, "v1")
    with _redirecting_to(plain.address) as redirector:
        source = f"{redirector}/team/app:v1"
        followed = _import(api, namespace, "app", source, insecure=True)["status"]["images"][0]
        assert followed["image"]["metadata"]["name"] == img.digest
        cluster_spec(IMAGE_CONFIG, {"registrySources": {"blockedRegistries": [plain.address]}})
        (status,) = _import(api, namespace, "app", source, insecure=True)["status"]["images"]
    assert status["status"]["reason"] == "Forbidden"
    wanted = f"{redirector} sent the import to {plain.address}, which is in spec.registrySources"
    assert wanted in status["status"]["message"]


def test_imports_stuck_on_a_registry_that_never_answers_leave_the_server_answering(
    api: httpx.Client, api_server: RunningServer, namespace: str
) -> None:
    """Each import holds a request thread while it waits: beyond AT_ONCE of them, an import
    is refused at once (TooManyRequests) instead of taking the threads every request needs."""
    answers: list[int] = []
    path = f"{IMAGES}/namespaces/{namespace}/imagestreamimports"
    with api_server.api_client() as other:

        def stuck(host: str, n: int) -> None:
            source = {"kind": "DockerImage", "name": f"{host}/a/b"}
            body = {"metadata": {"name": f"stuck{n}"}, "spec": {"images": [{"from": source}]}}
            answers.append(other.post(path, json=body, timeout=300).status_code)

        with tarpit() as (host, held):
            waiting = [threading.Thread(target=stuck, args=(host, n)) for n in range(AT_ONCE)]
            for thread in waiting:
                thread.start()
            wait_for(lambda: len(held) == AT_ONCE, "every import to wait on the registry")
            refused = api.post(path, json={"metadata": {"name": "one-more"}, "spec": {}})
            assert refused.status_code == 429, refused.text
            assert refused.json()["reason"] == "TooManyRequests"
            assert api.get(f"{IMAGES}/namespaces/{namespace}/imagestreams").status_code == 200
        for thread in waiting:
            thread.join()
    assert answers == [201] * AT_ONCE


def test_an_import_reads_no_more_than_its_allowance_however_large_the_index(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    """An index of many manifests sharing one large config: each read is within its bound,
    all of them together are not."""
    padding = "x" * (MAX_CONFIG_BYTES - 1024)
    config = json.dumps({"architecture": "amd64", "os": "linux", "pad": padding}).encode()
    base = image(layers=1)
    children = []
    for n in range(IMPORT_BYTES // len(config) + 2):
        manifest = {**json.loads(base.manifest), "config": descriptor(OCI_CONFIG, config)}
        body = json.dumps({**manifest, "annotations": {"n": str(n)}}).encode()
        children.append(Image(config, base.layers, body, base.media_type))
    for n, child in enumerate(children):
        plain.push("team/big", child, f"c{n}")  # the blobs again: distribution keeps one copy
    with plain.client() as client:
        listing = index(children)
        assert put_manifest(client, "team/big", "v1", listing, OCI_INDEX).status_code == 201
    source = f"{plain.address}/team/big:v1"
    answer = _import(api, namespace, "big", source, insecure=True, importMode="PreserveOriginal")
    (status,) = answer["status"]["images"]
    assert "image" not in status
    assert f"the import read more than {IMPORT_BYTES} bytes" in status["status"]["message"]


def test_a_source_naming_no_host_is_the_tags_failure_not_a_server_error(
    api: httpx.Client, namespace: str
) -> None:
    for source in ("a..b/team/app:v1", "reg.example.com:http/team/app:v1"):
        (status,) = _import(api, namespace, "app", source)["status"]["images"]
        assert (status["status"]["reason"], status["status"]["code"]) == ("Invalid", 422)
        assert "cannot name a host" in status["status"]["message"]


def test_credentials_come_from_the_projects_docker_registry_secret(
    api: httpx.Client, namespace: str, tmp_path: Path
) -> None:
    with third_party(tmp_path / "auth", users={"puller": "pw"}) as registry:
        img = image()
        registry.push("team/app", img, "v1")
        source = f"{registry.address}/team/app:v1"
        refused = _import(api, namespace, "app", source, insecure=True)
        wanted = f'you may not have access to the container image "{source}"'
        assert refused["status"]["images"][0]["status"]["message"] == wanted
        _docker_secret(api, namespace, registry.address, "puller", "pw")
        answer = _import(api, namespace, "app", source, insecure=True)
    assert answer["status"]["images"][0]["image"]["metadata"]["name"] == img.digest


def test_the_token_flow_gets_a_token_with_the_secrets_credentials(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    img = image()
    plain.push("team/app", img, "v1")
    with token_front(plain.url, "robot", "robot-pw") as front:
        _docker_secret(api, namespace, front.address, "robot", "robot-pw")
        answer = _import(api, namespace, "app", f"{front.address}/team/app:v1", insecure=True)
        assert front.scopes == ["repository:team/app:pull"]
    assert answer["status"]["images"][0]["image"]["metadata"]["name"] == img.digest


def test_tls_is_trusted_through_additional_trusted_ca_and_calls_go_through_the_proxy(
    api: httpx.Client, namespace: str, tmp_path: Path, cluster_spec: Callable[..., None]
) -> None:
    hosts = ("127.0.0.1", UNRESOLVABLE)
    with third_party(tmp_path / "tls", tls_hosts=hosts) as registry:
        img = image()
        registry.push("team/app", img, "v1")
        source = f"{registry.address}/team/app:v1"
        untrusted = _import(api, namespace, "app", source)["status"]["images"][0]
        assert "CERTIFICATE_VERIFY_FAILED" in untrusted["status"]["message"]
        cas = configmap(
            f"cas-{namespace}", {f"127.0.0.1..{registry.port}": registry.ca_path.read_text()}
        )
        create(api, namespaced("openshift-config", "configmaps"), cas)
        cluster_spec(IMAGE_CONFIG, {"additionalTrustedCA": {"name": cas["metadata"]["name"]}})
        trusted = _import(api, namespace, "app", source)["status"]["images"][0]
        assert trusted["image"]["metadata"]["name"] == img.digest
        # The name resolves nowhere: only the proxy (which maps every name home) reaches it.
        hidden = f"{UNRESOLVABLE}:{registry.port}/team/app:v1"
        assert "image" not in _import(api, namespace, "hidden", hidden)["status"]["images"][0]
        with loopback_proxy() as proxy:
            cluster_spec(REGISTRY_CONFIG, {"proxy": {"https": proxy}})
            through = _import(api, namespace, "hidden", hidden)["status"]["images"][0]
    assert through["image"]["dockerImageReference"].startswith(UNRESOLVABLE)


def test_a_stream_whose_spec_tags_name_another_registry_imports_them(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    img = image()
    plain.push("team/app", img, "v1")
    tag = {
        "name": "v1",
        "from": {"kind": "DockerImage", "name": f"{plain.address}/team/app:v1"},
        "importPolicy": {"insecure": True},
    }
    stream = {"kind": "ImageStream", "metadata": {"name": "app"}, "spec": {"tags": [tag]}}
    made = create(api, f"{IMAGES}/namespaces/{namespace}/imagestreams", stream)
    assert _tag(made, "v1")["items"][0]["image"] == img.digest


def test_legacy_takes_the_index_manifest_for_this_platform_and_preserve_original_the_index(
    api: httpx.Client, namespace: str, plain: ThirdParty
) -> None:
    amd, arm = image(arch="amd64"), image(arch="arm64")
    plain.push("team/multi", amd, "amd")
    plain.push("team/multi", arm, "arm")
    listing = index([amd, arm])
    with plain.client() as client:
        assert put_manifest(client, "team/multi", "v1", listing, OCI_INDEX).status_code == 201
    source = f"{plain.address}/team/multi:v1"
    legacy = _import(api, namespace, "legacy", source, insecure=True)["status"]["images"][0]
    os_name, architecture = server_platform()
    wanted = {"amd64": amd, "arm64": arm}[architecture]
    assert legacy["image"]["metadata"]["name"] == wanted.digest
    assert legacy["image"]["dockerImageMetadata"]["Os"] == os_name
    kept = _import(api, namespace, "kept", source, insecure=True, importMode="PreserveOriginal")
    whole = kept["status"]["images"][0]["image"]
    assert whole["metadata"]["name"] == digest_of(listing)
    assert [m["architecture"] for m in whole["dockerImageManifests"]] == ["amd64", "arm64"]
    for child in (amd, arm):  # each manifest of the index is an Image too
        shown = api.get(f"{IMAGES}/images/{child.digest}").json()
        assert shown["dockerImageReference"] == f"{plain.address}/team/multi@{child.digest}"
