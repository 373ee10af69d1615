"""podman and skopeo pull an imported image through the registry (referencePolicy Local).

The other registry is Debian's docker-registry with htpasswd auth and TLS from a CA the
registry trusts only through the cluster's additionalTrustedCA; the project holds the pull
secret. What was pulled once is pulled again after that registry stopped.
"""

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clients import Sandbox
from tests.support.images import Image, digest_of, image
from tests.support.imports import import_one
from tests.support.k8s import MERGE_PATCH, configmap, create, namespaced
from tests.support.requirements import require
from tests.support.server import RunningServer
from tests.support.third_party import ThirdParty, third_party

require("podman")
require("skopeo")
pytestmark = pytest.mark.clients

PLAIN_HTTP = "--tls-verify=false"
FROM_PLAIN_HTTP = "--src-tls-verify=false"
IMAGES = "/apis/image.openshift.io/v1"
USERS = {"puller": "upstream-secret-pw"}
PROJECT = "mirrors"
Sandboxes = Callable[[str], Sandbox]


@dataclass
class Imported:
    upstream: ThirdParty
    img: Image
    reference: str  # the image in this registry


@pytest.fixture
def imported(server: RunningServer, tmp_path: Path) -> Iterator[Imported]:
    with third_party(tmp_path / "upstream", users=USERS, tls_hosts=("127.0.0.1",)) as upstream:
        img = image(layers=3, layer_size=200_000, compressed=True)
        upstream.push("team/app", img, "v1")
        server.create_projects(PROJECT)
        with server.api_client() as api:
            _trust(api, upstream)
            _pull_secret(api, upstream)
            status = _import(api, f"{upstream.address}/team/app:v1")
        assert status["status"]["status"] == "Success", status
        yield Imported(upstream, img, f"{server.address}/{PROJECT}/app:v1")


def _import(api: httpx.Client, source: str) -> dict[str, Any]:
    created = import_one(api, PROJECT, "app", source, "v1", referencePolicy={"type": "Local"})
    (status,) = created["status"]["images"]
    return status


def _trust(api: httpx.Client, upstream: ThirdParty) -> None:
    cas = configmap("upstream-ca", {f"127.0.0.1..{upstream.port}": upstream.ca_path.read_text()})
    create(api, namespaced("openshift-config", "configmaps"), cas)
    patch = {"spec": {"additionalTrustedCA": {"name": "upstream-ca"}}}
    answer = api.patch(
        "/apis/config.openshift.io/v1/images/cluster", json=patch, headers=MERGE_PATCH
    )
    assert answer.status_code == 200, answer.text


def _pull_secret(api: httpx.Client, upstream: ThirdParty) -> None:
    ((user, password),) = USERS.items()
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = {"auths": {upstream.address: {"auth": auth}}}
    secret = {
        "kind": "Secret",
        "metadata": {"name": "upstream"},
        "type": "kubernetes.io/dockerconfigjson",
        "data": {".dockerconfigjson": base64.b64encode(json.dumps(config).encode()).decode()},
    }
    create(api, namespaced(PROJECT, "secrets"), secret)


def test_podman_pulls_it_through_and_again_after_its_registry_stopped(
    imported: Imported, sandboxes: Sandboxes
) -> None:
    first = sandboxes("first")
    first.podman("pull", "-q", PLAIN_HTTP, imported.reference)
    image_id = digest_of(imported.img.config).removeprefix("sha256:")
    assert _inspected(first, imported.reference, "{{.Id}}") == image_id
    imported.upstream.stop()
    again = sandboxes("again")
    again.podman("pull", "-q", PLAIN_HTTP, imported.reference)
    assert _inspected(again, imported.reference, "{{.Digest}}") == imported.img.digest


def test_skopeo_copies_it_out_bit_for_bit(
    imported: Imported, sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    sandbox.skopeo("copy", FROM_PLAIN_HTTP, f"docker://{imported.reference}", f"dir:{out}")
    assert (out / "manifest.json").read_bytes() == imported.img.manifest
    for blob in imported.img.blobs:
        assert (out / digest_of(blob).removeprefix("sha256:")).read_bytes() == blob


def _inspected(sandbox: Sandbox, reference: str, template: str) -> str:
    return sandbox.podman("image", "inspect", "--format", template, reference).strip()
