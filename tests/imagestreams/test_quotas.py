"""ResourceQuotas on image streams: counted per project, enforced at push and at API writes.

bob administers his project and pushes to it; the quotas are kubeadmin's (a project admin
may read them, not change them, as in OpenShift). A write that would take a resource above
a quota's hard limit is refused (DENIED on the registry, Forbidden on the API) with the
quota's name, its limit and the use; one that adds nothing passes whatever the use.
"""

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import BACKENDS, backend_args
from tests.support.images import Image, digest_of, image, push_blob, push_image
from tests.support.registry_auth import Account, log_in
from tests.support.server import RunningServer
from tests.support.users import serving_users

IMAGES = "/apis/image.openshift.io/v1"
PASSWORDS = {"bob": "bob-secret-pw"}
STORAGE = "openshift.io/imagestreams.storage"
GRACE = 0.5  # the collector's: what is older may be pruned


@pytest.fixture(scope="module", params=BACKENDS)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    args = ("--gc-grace", str(GRACE), *backend_args(request, request.param))
    base = tmp_path_factory.mktemp("quotas")
    with serving_users(base, PASSWORDS, workers=2, serve_args=args, projects=()) as running:
        yield running
    assert "unhandled error" not in running.log()


@pytest.fixture(scope="module")
def bob(server: RunningServer) -> Account:
    return log_in(server, "bob", PASSWORDS["bob"])


@pytest.fixture
def project(server: RunningServer, bob: Account) -> str:
    name = f"bob-{uuid.uuid4().hex[:8]}"
    server.create_projects(name, token=bob.token)
    return name


@pytest.fixture
def registry(server: RunningServer, bob: Account) -> Iterator[httpx.Client]:
    """The registry as bob."""
    with httpx.Client(base_url=server.url, auth=bob.basic, timeout=30) as client:
        yield client


@pytest.fixture
def api(server: RunningServer, bob: Account) -> Iterator[httpx.Client]:
    with server.api_client(bob.token) as client:
        yield client


def quota_of(scopes: list[str] | None = None, **hard: str) -> dict[str, object]:
    spec: dict[str, object] = {
        "hard": {f"openshift.io/{k.replace('_', '-')}": v for k, v in hard.items()}
    }
    if scopes is not None:
        spec["scopes"] = scopes
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "images"},
        "spec": spec,
    }


def create_quota(server: RunningServer, project: str, quota: dict[str, object]) -> httpx.Response:
    with server.api_client() as admin:
        return admin.post(f"/api/v1/namespaces/{project}/resourcequotas", json=quota)


def set_quota(server: RunningServer, project: str, **hard: str) -> None:
    made = create_quota(server, project, quota_of(**hard))
    assert made.status_code == 201, made.text


def used(api: httpx.Client, project: str) -> dict[str, str]:
    quota = api.get(f"/api/v1/namespaces/{project}/resourcequotas/images")
    assert quota.status_code == 200, quota.text
    return quota.json()["status"]["used"]


def assert_denied(response: httpx.Response, message: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "DENIED" and error["message"] == message


def test_a_push_that_adds_a_tag_beyond_the_quota_is_denied_naming_it(
    registry: httpx.Client, api: httpx.Client, server: RunningServer, project: str
) -> None:
    set_quota(server, project, image_tags="2")
    for tag in ("v1", "v2"):
        assert push_image(registry, f"{project}/app", image(), tag).status_code == 201
    assert_denied(
        push_image(registry, f"{project}/app", image(), "v3"),
        "exceeded quota: images, requested: openshift.io/image-tags=1, "
        "used: openshift.io/image-tags=2, limited: openshift.io/image-tags=2",
    )
    assert registry.get(f"/v2/{project}/app/manifests/v3").status_code == 404
    # Moving a tag adds none: it is not refused.
    assert push_image(registry, f"{project}/app", image(), "v1").status_code == 201
    assert used(api, project) == {"openshift.io/image-tags": "2"}


def test_stored_bytes_count_a_layer_once_however_many_streams_share_it(
    registry: httpx.Client, api: httpx.Client, server: RunningServer, project: str
) -> None:
    img = image(layers=2, layer_size=20_000)
    size = sum(len(b) for b in (*img.blobs, img.manifest))
    set_quota(server, project, **{"imagestreams.storage": str(size + 1000)})
    assert push_image(registry, f"{project}/one", img, "v1").status_code == 201
    assert push_image(registry, f"{project}/two", img, "v1").status_code == 201
    assert used(api, project) == {STORAGE: str(size)}
    bigger = image(layers=1, layer_size=2000)
    refused = push_blob(registry, f"{project}/one", bigger.layers[0])
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "DENIED"
    assert f"limited: {STORAGE}={size + 1000}" in refused.json()["errors"][0]["message"]
    digest = digest_of(bigger.layers[0])
    assert registry.head(f"/v2/{project}/one/blobs/{digest}").status_code == 404
    assert used(api, project) == {STORAGE: str(size)}


def test_api_writes_beyond_the_quota_are_forbidden(
    registry: httpx.Client, api: httpx.Client, server: RunningServer, project: str
) -> None:
    img = image()
    assert push_image(registry, f"{project}/app", img, "v1").status_code == 201
    set_quota(server, project, imagestreams="1", image_tags="2")
    stream = {"metadata": {"name": "other"}, "spec": {}}
    refused = api.post(f"{IMAGES}/namespaces/{project}/imagestreams", json=stream)
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "Forbidden"
    assert refused.json()["message"] == (
        "exceeded quota: images, requested: openshift.io/imagestreams=1, "
        "used: openshift.io/imagestreams=1, limited: openshift.io/imagestreams=1"
    )
    assert api.get(f"{IMAGES}/namespaces/{project}/imagestreams/other").status_code == 404
    source = {"kind": "ImageStreamImage", "name": f"app@{img.digest}"}
    for tag, expected in (("v2", 201), ("v3", 403)):
        istag = {"metadata": {"name": f"app:{tag}"}, "tag": {"name": tag, "from": source}}
        made = api.post(f"{IMAGES}/namespaces/{project}/imagestreamtags", json=istag)
        assert made.status_code == expected, made.text
    assert used(api, project) == {"openshift.io/imagestreams": "1", "openshift.io/image-tags": "2"}


def test_concurrent_pushes_never_take_the_use_beyond_the_limit(
    server: RunningServer, bob: Account, api: httpx.Client, project: str
) -> None:
    set_quota(server, project, image_tags="4", images="10")
    images = [image(layers=1) for _ in range(10)]
    codes: list[int] = []

    def push(n: int, img: Image) -> None:
        with httpx.Client(base_url=server.url, auth=bob.basic, timeout=60) as client:
            codes.append(push_image(client, f"{project}/app", img, f"t{n}").status_code)

    threads = [threading.Thread(target=push, args=(n, img)) for n, img in enumerate(images)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [201] * 4 + [403] * 6
    assert used(api, project) == {"openshift.io/image-tags": "4", "openshift.io/images": "4"}


def test_a_project_admin_reads_its_quota_and_may_not_change_it(
    api: httpx.Client, server: RunningServer, project: str
) -> None:
    set_quota(server, project, images="3")
    quota = api.get(f"/api/v1/namespaces/{project}/resourcequotas/images").json()
    assert quota["status"] == {
        "hard": {"openshift.io/images": "3"},
        "used": {"openshift.io/images": "0"},
    }
    quota["spec"]["hard"]["openshift.io/images"] = "300"
    changed = api.put(f"/api/v1/namespaces/{project}/resourcequotas/images", json=quota)
    assert changed.status_code == 403 and changed.json()["reason"] == "Forbidden"


def test_what_a_prune_frees_leaves_the_quota_at_once(
    registry: httpx.Client, api: httpx.Client, server: RunningServer, project: str
) -> None:
    old, new = image(layers=1), image(layers=1)
    set_quota(server, project, **{"imagestreams.storage": "1Mi", "images": "2"})
    for img in (old, new):
        assert push_image(registry, f"{project}/app", img, "latest").status_code == 201
    assert used(api, project)["openshift.io/images"] == "2"
    time.sleep(GRACE)  # the pushes' links become old enough to prune
    spec = {"keepTagRevisions": 1, "keepYoungerThanDuration": "0s", "confirm": True}
    with server.api_client() as admin:
        pruned = admin.post(
            f"{IMAGES}/imageprunes", json={"spec": {**spec, "namespace": project}}, timeout=120
        )
    assert pruned.status_code == 201, pruned.text
    assert used(api, project) == {
        "openshift.io/images": "1",
        STORAGE: str(sum(len(b) for b in (*new.blobs, new.manifest))),
    }


def test_a_quota_scoped_to_pods_neither_limits_nor_counts_image_streams(
    registry: httpx.Client, api: httpx.Client, server: RunningServer, project: str
) -> None:
    made = create_quota(server, project, quota_of(["NotTerminating"], image_tags="1"))
    assert made.status_code == 201, made.text
    for tag in ("v1", "v2"):
        assert push_image(registry, f"{project}/app", image(), tag).status_code == 201
    assert used(api, project) == {"openshift.io/image-tags": "0"}


def test_an_unknown_scope_is_refused_and_nothing_is_made(
    api: httpx.Client, server: RunningServer, project: str
) -> None:
    refused = create_quota(server, project, quota_of(["Images"], image_tags="1"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["reason"] == "Invalid"
    assert "spec.scopes" in refused.json()["message"]
    assert api.get(f"/api/v1/namespaces/{project}/resourcequotas/images").status_code == 404
