"""Pull-through: an image a project imported is served from this registry, fetched from the
other registry on first pull and from storage afterwards, to those who may pull it only.

The other registry is Debian's docker-registry behind a token-auth front (a Bearer
challenge, as Docker Hub and quay.io answer), reached with the project's pull secret.
bob administers his own project and nothing else.
"""

import base64
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.images import (
    OCI_INDEX,
    OCI_LAYER,
    OCI_MANIFEST,
    Image,
    descriptor,
    digest_of,
    image,
    index,
    push_blob,
    push_image,
)
from tests.support.imports import import_one
from tests.support.k8s import MERGE_PATCH, create, namespaced
from tests.support.metrics import scrape, value
from tests.support.oci import assert_oci_error, put_manifest
from tests.support.registry_auth import Account, log_in
from tests.support.server import RunningServer
from tests.support.third_party import ThirdParty, third_party
from tests.support.token_front import TokenFront, token_front
from tests.support.users import serving_users

IMAGES = "/apis/image.openshift.io/v1"
IMAGE_CONFIG = "/apis/config.openshift.io/v1/images/cluster"
PASSWORDS = {"bob": "bob-secret-pw"}
FRONT_USER, FRONT_PASSWORD = "puller", "front-secret-pw"
MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    base = tmp_path_factory.mktemp("pullthrough")
    with serving_users(base, PASSWORDS, projects=()) as running:
        yield running
    log = running.log()
    assert "unhandled error" not in log
    pair = base64.b64encode(f"{FRONT_USER}:{FRONT_PASSWORD}".encode()).decode()
    assert FRONT_PASSWORD not in log and pair not in log  # nor is any pull secret


@pytest.fixture(scope="module")
def bob(server: RunningServer) -> Account:
    return log_in(server, "bob", PASSWORDS["bob"])


@dataclass
class Upstream:
    registry: ThirdParty
    front: TokenFront

    def blob_requests(self, digest: str) -> int:
        return sum(path.endswith(f"/blobs/{digest}") for path in self.front.passed)


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[Upstream]:
    with (
        third_party(tmp_path / "upstream") as registry,
        token_front(registry.url, FRONT_USER, FRONT_PASSWORD) as front,
    ):
        yield Upstream(registry, front)


@dataclass
class Project:
    server: RunningServer
    owner: Account
    name: str

    def import_image(
        self, stream: str, source: str, policy: str = "Local", mode: str = "Legacy"
    ) -> dict[str, Any]:
        with self.server.api_client(self.owner.token) as api:
            created = import_one(
                api,
                self.name,
                stream,
                source,
                "v1",
                importPolicy={"insecure": True, "importMode": mode},
                referencePolicy={"type": policy},
            )
        (status,) = created["status"]["images"]
        assert status["status"]["status"] == "Success", status
        return status

    def get(
        self, path: str, auth: tuple[str, str] | None = None, accept: str = MANIFEST_TYPES
    ) -> httpx.Response:
        return httpx.get(
            f"{self.server.url}/v2/{self.name}/{path}",
            headers={"Accept": accept},
            auth=auth or self.owner.basic,
            timeout=60,
        )

    def stream(self, path: str) -> AbstractContextManager[httpx.Response]:
        """GET `path` in this project, its body read as the caller wants it."""
        url = f"{self.server.url}/v2/{self.name}/{path}"
        return httpx.stream("GET", url, auth=self.owner.basic, timeout=60)


@pytest.fixture
def project(server: RunningServer, bob: Account, upstream: Upstream) -> Project:
    return _project(server, bob, upstream)


def _project(
    server: RunningServer, owner: Account, upstream: Upstream, name: str | None = None
) -> Project:
    """A project `owner` administers, with a pull secret for the upstream's front."""
    name = name or f"{owner.name}-{uuid.uuid4().hex[:8]}"
    server.create_projects(name, token=owner.token)
    pair = f"{FRONT_USER}:{FRONT_PASSWORD}"
    auth = {"auth": base64.b64encode(pair.encode()).decode()}
    config = {"auths": {upstream.front.address: auth}}
    secret = {
        "kind": "Secret",
        "metadata": {"name": "upstream"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }
    with server.api_client(owner.token) as api:
        create(api, namespaced(name, "secrets"), secret)
    return Project(server, owner, name)


def _imported(project: Project, upstream: Upstream, img: Image, stream: str = "app") -> None:
    upstream.registry.push("team/app", img, "v1")
    project.import_image(stream, f"{upstream.front.address}/team/app:v1")


def test_an_imported_tag_is_served_here_with_every_blob_bit_for_bit(
    project: Project, upstream: Upstream
) -> None:
    img = image(layers=3, layer_size=300_000)
    _imported(project, upstream, img)
    manifest = project.get("app/manifests/v1")
    assert manifest.status_code == 200, manifest.text
    assert manifest.content == img.manifest
    assert manifest.headers["Docker-Content-Digest"] == img.digest
    for blob in img.blobs:
        head = httpx.head(
            f"{project.server.url}/v2/{project.name}/app/blobs/{digest_of(blob)}",
            auth=project.owner.basic,
        )
        assert head.status_code == 200 and head.headers["Content-Length"] == str(len(blob))
        pulled = project.get(f"app/blobs/{digest_of(blob)}")
        assert pulled.status_code == 200 and pulled.content == blob


def test_an_index_imported_whole_is_served_with_each_image_it_names(
    project: Project, upstream: Upstream
) -> None:
    amd, arm = image(arch="amd64"), image(arch="arm64")
    upstream.registry.push("team/multi", amd, "amd")
    upstream.registry.push("team/multi", arm, "arm")
    listing = index([amd, arm])
    with upstream.registry.client() as client:
        assert put_manifest(client, "team/multi", "v1", listing, OCI_INDEX).status_code == 201
    source = f"{upstream.front.address}/team/multi:v1"
    project.import_image("multi", source, mode="PreserveOriginal")
    assert project.get("multi/manifests/v1", accept=OCI_INDEX).content == listing
    for child in (amd, arm):
        assert project.get(f"multi/manifests/{child.digest}").content == child.manifest
        for blob in child.blobs:
            assert project.get(f"multi/blobs/{digest_of(blob)}").content == blob


def test_a_local_reference_policy_names_this_registry_in_the_tag_history(
    project: Project, upstream: Upstream
) -> None:
    img = image()
    _imported(project, upstream, img)
    with project.server.api_client(project.owner.token) as api:
        stream = api.get(f"{IMAGES}/namespaces/{project.name}/imagestreams/app").json()
    (tag,) = stream["status"]["tags"]
    (event,) = tag["items"]
    expected = f"{project.server.address}/{project.name}/app@{img.digest}"
    assert event["dockerImageReference"] == expected


def test_what_was_pulled_through_is_served_after_its_registry_stopped(
    project: Project, upstream: Upstream
) -> None:
    img = image()
    _imported(project, upstream, img)
    first = [project.get("app/manifests/v1")] + [
        project.get(f"app/blobs/{digest_of(b)}") for b in img.blobs
    ]
    assert all(r.status_code == 200 for r in first)
    upstream.registry.stop()
    again = [project.get("app/manifests/v1")] + [
        project.get(f"app/blobs/{digest_of(b)}") for b in img.blobs
    ]
    assert [r.content for r in again] == [img.manifest, *img.blobs]


def test_what_was_never_pulled_is_unknown_while_its_registry_is_down(
    project: Project, upstream: Upstream
) -> None:
    pulled, never = image(), image(layers=1)
    _imported(project, upstream, pulled)
    upstream.registry.push("team/other", never, "v1")
    project.import_image("other", f"{upstream.front.address}/team/other:v1")
    assert project.get("app/manifests/v1").status_code == 200
    upstream.registry.stop()
    missing_layer = project.get(f"app/blobs/{digest_of(pulled.layers[0])}")
    assert_oci_error(missing_layer, 404, "BLOB_UNKNOWN")
    missing_manifest = project.get("other/manifests/v1")
    assert_oci_error(missing_manifest, 404, "MANIFEST_UNKNOWN")
    assert "unable to pull manifest from" in missing_manifest.text


def test_a_registry_that_dies_mid_blob_leaves_nothing_and_the_next_pull_gets_it_whole(
    project: Project, upstream: Upstream
) -> None:
    img = image(layers=1, layer_size=5_000_000)
    _imported(project, upstream, img)
    assert project.get("app/manifests/v1").status_code == 200
    layer = f"app/blobs/{digest_of(img.layers[0])}"
    upstream.front.cut = True
    with pytest.raises(httpx.RemoteProtocolError):  # the body ends before its length
        project.get(layer)
    upstream.front.cut = False
    assert project.get(layer).content == img.layers[0]
    upstream.registry.stop()
    assert project.get(layer).content == img.layers[0]


def test_a_registry_blocked_after_the_import_is_not_pulled_through(
    server: RunningServer, project: Project, upstream: Upstream
) -> None:
    img = image(layers=1)
    _imported(project, upstream, img)
    blocked = {"spec": {"registrySources": {"blockedRegistries": [upstream.front.address]}}}
    asked_before = len(upstream.front.passed)
    with server.api_client() as api:
        answer = api.patch(IMAGE_CONFIG, json=blocked, headers=MERGE_PATCH)
        assert answer.status_code == 200, answer.text
        try:
            refused = project.get("app/manifests/v1")
        finally:
            unblocked = {"spec": {"registrySources": None}}
            assert api.patch(IMAGE_CONFIG, json=unblocked, headers=MERGE_PATCH).status_code == 200
    assert_oci_error(refused, 404, "MANIFEST_UNKNOWN")
    assert "blockedRegistries" in refused.text
    assert len(upstream.front.passed) == asked_before


def test_concurrent_first_pulls_fetch_a_blob_from_its_registry_once(
    project: Project, upstream: Upstream
) -> None:
    img = image(layers=1, layer_size=2_000_000)
    _imported(project, upstream, img)
    assert project.get("app/manifests/v1").status_code == 200
    digest = digest_of(img.layers[0])
    upstream.front.delay = 0.5  # the first download is still running when the others ask
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: project.get(f"app/blobs/{digest}"), range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert all(a.content == img.layers[0] for a in answers)
    assert upstream.blob_requests(digest) == 1


def test_a_blob_the_registry_throttles_is_answered_too_many_requests(
    project: Project, upstream: Upstream
) -> None:
    img = image(layers=1)
    _imported(project, upstream, img)
    assert project.get("app/manifests/v1").status_code == 200
    upstream.front.throttle = True
    throttled = project.get(f"app/blobs/{digest_of(img.layers[0])}")
    assert_oci_error(throttled, 429, "TOOMANYREQUESTS")
    upstream.front.throttle = False
    assert project.get(f"app/blobs/{digest_of(img.layers[0])}").content == img.layers[0]


def test_pulling_through_needs_the_right_to_pull(
    server: RunningServer, bob: Account, upstream: Upstream
) -> None:
    kubeadmin = Account("kubeadmin", server.admin_token)
    theirs = _project(server, kubeadmin, upstream)
    img = image(layers=1)
    _imported(theirs, upstream, img)
    asked_before = len(upstream.front.passed)
    refused = theirs.get("app/manifests/v1", auth=bob.basic)
    assert refused.status_code in (401, 403)
    assert len(upstream.front.passed) == asked_before
    assert theirs.get("app/manifests/v1").content == img.manifest


def test_a_blob_stored_for_another_project_is_not_served_unless_its_registry_sends_it(
    server: RunningServer, project: Project, upstream: Upstream
) -> None:
    """Knowing a digest is never enough: the layer another project pushed stays its own
    even when an image bob imported names it, until the other registry sends its bytes."""
    img = image(layers=1)
    secret = f"secret-{uuid.uuid4().hex[:8]}"
    server.create_projects(secret)
    with server.registry_client() as admin:
        assert push_image(admin, f"{secret}/private", img, "v1").status_code == 201
    _imported(project, upstream, img)
    assert project.get("app/manifests/v1").status_code == 200
    layer = digest_of(img.layers[0])
    with upstream.registry.client() as client:
        assert client.delete(f"/v2/team/app/blobs/{layer}").status_code == 202
    assert_oci_error(project.get(f"app/blobs/{layer}"), 404, "BLOB_UNKNOWN")


def test_pulls_through_are_counted_in_the_pullthrough_metrics(
    server: RunningServer, project: Project, upstream: Upstream
) -> None:
    img = image(layers=1)
    _imported(project, upstream, img)
    before = scrape(server)
    host = upstream.front.address
    assert project.get("app/manifests/v1").status_code == 200
    layer = f"app/blobs/{digest_of(img.layers[0])}"
    assert project.get(layer).status_code == 200  # fetched from the other registry
    assert project.get(layer).status_code == 200  # from storage
    upstream.registry.stop()
    assert project.get(f"app/blobs/{digest_of(img.config)}").status_code == 404
    after = scrape(server)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    cache = "imageregistry_pullthrough_blobstore_cache_requests_total"
    assert grew(cache, type="Miss") == 2 and grew(cache, type="Hit") >= 1
    duration = "imageregistry_pullthrough_repository_duration_seconds_count"
    assert grew(duration, registry=host, operation="ManifestService.Get") == 1
    assert grew(duration, registry=host, operation="BlobStore.Open") == 2
    errors = "imageregistry_pullthrough_repository_errors_total"
    assert grew(errors, registry=host, operation="BlobStore.Open", code="InternalError") == 1


def _naming(
    upstream: Upstream, project: Project, img: Image, layers: list[dict[str, object]]
) -> None:
    """`project` imports an image of its own upstream repository whose manifest names
    `layers` (which that repository does not have) beside `img`'s config."""
    repository = f"{project.name}/app"
    upstream.registry.push(repository, img, "v1")
    manifest = json.loads(img.manifest)
    manifest["layers"] = layers
    body = json.dumps(manifest).encode()
    for reference in ("v1", digest_of(body)):
        upstream.front.served[f"/v2/{repository}/manifests/{reference}"] = (OCI_MANIFEST, body)
    project.import_image("app", f"{upstream.front.address}/{repository}:v1")
    assert project.get("app/manifests/v1").status_code == 200


def test_a_blob_another_project_is_fetching_is_not_followed_by_a_manifest_naming_it(
    server: RunningServer, project: Project, upstream: Upstream
) -> None:
    """bob's image names the layer kubeadmin's project is pulling through: bob's pull fetches
    it from bob's registry, which has no such layer, never from the other's download."""
    theirs = _project(server, Account("kubeadmin", server.admin_token), upstream)
    img = image(layers=1, layer_size=3 << 20)
    _imported(theirs, upstream, img)
    assert theirs.get("app/manifests/v1").status_code == 200
    layer = img.layers[0]
    _naming(upstream, project, image(layers=0), [descriptor(OCI_LAYER, layer)])
    upstream.front.gate = gate = threading.Event()
    path = f"app/blobs/{digest_of(layer)}"
    try:
        with theirs.stream(path) as pulling:
            assert pulling.status_code == 200  # half of it is on its way here
            with project.stream(path) as bobs:
                assert bobs.status_code == 404, "bob was sent what the other project downloads"
            gate.set()
            assert pulling.read() == layer
    finally:
        gate.set()


def test_a_manifest_whose_bytes_are_not_its_sha512_digest_is_neither_served_nor_kept(
    server: RunningServer, project: Project, upstream: Upstream
) -> None:
    """bob's registry names an index's child by sha512 and, once imported, answers it with
    other bytes: they would be kept under that digest, for any project that pushes it."""
    real = image(layers=1)
    named = "sha512:" + hashlib.sha512(real.manifest).hexdigest()
    repository = f"{project.name}/multi"
    upstream.registry.push(repository, real, "real")
    child = {"mediaType": OCI_MANIFEST, "digest": named, "size": len(real.manifest)}
    listing = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [child]})
    served = upstream.front.served
    for reference in ("v1", digest_of(listing.encode())):
        served[f"/v2/{repository}/manifests/{reference}"] = (OCI_INDEX, listing.encode())
    served[f"/v2/{repository}/manifests/{named}"] = (OCI_MANIFEST, real.manifest)
    source = f"{upstream.front.address}/{repository}:v1"
    project.import_image("multi", source, mode="PreserveOriginal")
    served[f"/v2/{repository}/manifests/{named}"] = (OCI_MANIFEST, image(layers=1).manifest)
    assert project.get("multi/manifests/v1", accept=OCI_INDEX).status_code == 200
    assert_oci_error(project.get(f"multi/manifests/{named}"), 404, "MANIFEST_UNKNOWN")
    secret = f"secret-{uuid.uuid4().hex[:8]}"
    server.create_projects(secret)
    with server.registry_client() as admin:
        assert push_image(admin, f"{secret}/private", real, "v1").status_code == 201
        assert put_manifest(admin, f"{secret}/private", named, real.manifest).status_code == 201
        assert admin.get(f"/v2/{secret}/private/manifests/{named}").content == real.manifest


def test_a_blob_larger_than_the_space_left_is_refused_before_it_is_fetched(
    project: Project, upstream: Upstream
) -> None:
    """A manifest says how large a layer is, and its registry may send that much: a size
    the volume cannot hold is not taken on, so pull-through never fills the registry's disk."""
    layer = image(layers=1).layers[0]
    huge = {**descriptor(OCI_LAYER, layer), "size": 1 << 60}
    _naming(upstream, project, image(layers=0), [huge])
    refused = project.get(f"app/blobs/{digest_of(layer)}")
    assert_oci_error(refused, 503, "UNAVAILABLE")
    assert "space" in refused.text
    assert upstream.blob_requests(digest_of(layer)) == 0


def test_an_imported_image_tagged_into_another_stream_before_any_pull_is_pulled_through_there(
    project: Project, upstream: Upstream
) -> None:
    """The new tag keeps the image's other registry, trusted for plain HTTP by the cluster
    (the copy's spec tag does not say insecure, as the import's did)."""
    img = image(layers=1)
    _imported(project, upstream, img)
    stream = {
        "kind": "ImageStream",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": "copy"},
        "spec": {"tags": [{"name": "v1", "from": {"kind": "ImageStreamTag", "name": "app:v1"}}]},
    }
    with project.server.api_client(project.owner.token) as api:
        create(api, f"{IMAGES}/namespaces/{project.name}/imagestreams", stream)
    insecure = {"registrySources": {"insecureRegistries": [upstream.front.address]}}
    with _image_config(project.server, insecure):
        pulled = project.get("copy/manifests/v1")
        assert pulled.content == img.manifest, pulled.text
        assert project.get(f"copy/blobs/{digest_of(img.layers[0])}").content == img.layers[0]


@contextmanager
def _image_config(server: RunningServer, spec: dict[str, Any]) -> Iterator[None]:
    """The cluster's image config patched with `spec`, for the block."""
    with server.api_client(server.admin_token) as api:
        saved = api.get(IMAGE_CONFIG).json()["spec"]
        patched = api.patch(IMAGE_CONFIG, json={"spec": spec}, headers=MERGE_PATCH)
        assert patched.status_code == 200, patched.text
        try:
            yield
        finally:
            current = api.get(IMAGE_CONFIG).json()
            assert api.put(IMAGE_CONFIG, json={**current, "spec": saved}).status_code == 200


def test_an_image_built_on_an_imported_one_is_pushed_as_clients_push_it(
    project: Project, upstream: Upstream
) -> None:
    """A client skips uploading a layer the registry says it has (HEAD 200): the manifest
    that names it must then be taken."""
    base = image(layers=1)
    _imported(project, upstream, base)
    assert project.get("app/manifests/v1").status_code == 200
    built = image(layers=1)
    manifest = json.loads(built.manifest)
    manifest["layers"] = [descriptor(OCI_LAYER, base.layers[0])]
    body = json.dumps(manifest).encode()
    with project.server.registry_client() as client:
        client.auth = project.owner.basic
        repository = f"{project.name}/app"
        for blob in (base.layers[0], built.config):
            if client.head(f"/v2/{repository}/blobs/{digest_of(blob)}").status_code != 200:
                assert push_blob(client, repository, blob).status_code == 201
        pushed = put_manifest(client, repository, "v2", body)
        assert pushed.status_code == 201, pushed.text
    assert project.get(f"app/blobs/{digest_of(base.layers[0])}").content == base.layers[0]


def test_a_pushed_manifest_naming_a_layer_its_registry_does_not_have_is_refused(
    project: Project, upstream: Upstream
) -> None:
    layer = image(layers=1).layers[0]
    _naming(upstream, project, image(layers=0), [descriptor(OCI_LAYER, layer)])
    built = image(layers=1)
    manifest = json.loads(built.manifest)
    manifest["layers"] = [descriptor(OCI_LAYER, layer)]
    with project.server.registry_client() as client:
        client.auth = project.owner.basic
        assert push_blob(client, f"{project.name}/app", built.config).status_code == 201
        body = json.dumps(manifest).encode()
        refused = put_manifest(client, f"{project.name}/app", "v2", body)
    assert_oci_error(refused, 400, "MANIFEST_BLOB_UNKNOWN")


def test_a_download_cut_by_a_restart_leaves_no_spool_file_behind(
    tmp_path: Path, upstream: Upstream
) -> None:
    """The spool is as empty after the restart as if the download had not begun, however
    seldom that blob is asked for again."""
    with serving_users(tmp_path, {}, projects=()) as server:
        project = _project(server, Account("kubeadmin", server.admin_token), upstream)
        img = image(layers=1, layer_size=3 << 20)
        _imported(project, upstream, img)
        assert project.get("app/manifests/v1").status_code == 200
        spool = server.data_dir / "pullthrough"
        upstream.front.gate = gate = threading.Event()
        try:
            with project.stream(f"app/blobs/{digest_of(img.layers[0])}") as pulling:
                assert pulling.status_code == 200
                server.kill()
            assert any(spool.iterdir())
        finally:
            gate.set()
        server.start()
        assert not any(spool.iterdir())
        assert project.get(f"app/blobs/{digest_of(img.layers[0])}").content == img.layers[0]


def test_a_registry_the_cluster_blocks_after_the_import_is_not_called(
    project: Project, upstream: Upstream
) -> None:
    img = image(layers=1)
    _imported(project, upstream, img)
    asked = len(upstream.front.passed)
    blocked = {"registrySources": {"blockedRegistries": [upstream.front.address]}}
    with _image_config(project.server, blocked):
        refused = project.get("app/manifests/v1")
    assert_oci_error(refused, 404, "MANIFEST_UNKNOWN")
    assert "blockedRegistries" in refused.text
    assert len(upstream.front.passed) == asked


def test_a_layer_is_said_to_be_here_only_when_its_registry_has_it(
    project: Project, upstream: Upstream
) -> None:
    """HEAD asks the other registry: a client told 200 skips uploading that layer."""
    img, missing = image(layers=1), image(layers=1).layers[0]
    upstream.registry.push(f"{project.name}/app", img, "base")
    layers = [descriptor(OCI_LAYER, img.layers[0]), descriptor(OCI_LAYER, missing)]
    _naming(upstream, project, image(layers=0), layers)
    url = f"{project.server.url}/v2/{project.name}/app/blobs"
    there = httpx.head(f"{url}/{digest_of(img.layers[0])}", auth=project.owner.basic)
    assert there.status_code == 200 and there.headers["Content-Length"] == str(len(img.layers[0]))
    gone = httpx.head(f"{url}/{digest_of(missing)}", auth=project.owner.basic)
    assert gone.status_code == 404


def test_a_download_outliving_its_project_leaves_nothing_to_the_next_project_of_that_name(
    server: RunningServer, bob: Account, upstream: Upstream
) -> None:
    """kubeadmin's project goes while a layer is on its way; bob then makes a project of
    the same name: the layer the download stored is not his to pull."""
    kubeadmin = Account("kubeadmin", server.admin_token)
    theirs = _project(server, kubeadmin, upstream)
    img = image(layers=1, layer_size=3 << 20)
    _imported(theirs, upstream, img)
    assert theirs.get("app/manifests/v1").status_code == 200
    layer = f"app/blobs/{digest_of(img.layers[0])}"
    upstream.front.gate = gate = threading.Event()
    try:
        with theirs.stream(layer) as pulling:
            assert pulling.status_code == 200
            with server.api_client(kubeadmin.token) as api:
                gone = api.delete(f"/apis/project.openshift.io/v1/projects/{theirs.name}")
                assert gone.status_code == 200, gone.text
    finally:
        gate.set()
    _until_downloads_end(server)
    mine = _project(server, bob, upstream, name=theirs.name)
    assert mine.get(layer).status_code == 404


def _until_downloads_end(server: RunningServer) -> None:
    spool = server.data_dir / "pullthrough"
    deadline = time.monotonic() + 60
    while any(spool.iterdir()):
        assert time.monotonic() < deadline, "a download never ended"
        time.sleep(0.05)
