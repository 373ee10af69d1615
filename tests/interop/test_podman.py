"""podman pushes images to the registry, pulls them back, and retags them."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clients import Sandbox, get_manifest, referenced_blobs
from tests.support.images import digest_of, image, write_oci_layout
from tests.support.requirements import require
from tests.support.server import RunningServer

require("podman")
pytestmark = pytest.mark.clients

PLAIN_HTTP = "--tls-verify=false"
Sandboxes = Callable[[str], Sandbox]


def load_image(sandbox: Sandbox, tmp_path: Path) -> str:
    """An image in the sandbox's podman storage, named localhost/seed:v1; returns its id."""
    img = image(layers=2, compressed=True)
    layout = write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])
    sandbox.podman("pull", "-q", f"oci:{layout}:v1")
    sandbox.podman("tag", digest_of(img.config).removeprefix("sha256:"), "localhost/seed:v1")
    return digest_of(img.config)


def push(sandbox: Sandbox, local: str, remote: str) -> str:
    """Push `local` to `remote` and return the manifest digest podman reports."""
    digest_file = sandbox.root / "tmp" / "pushed-digest"
    sandbox.podman("push", PLAIN_HTTP, "--digestfile", digest_file, local, remote)
    return digest_file.read_text().strip()


def inspect(sandbox: Sandbox, name: str) -> dict[str, Any]:
    return json.loads(sandbox.podman("image", "inspect", name))[0]


def test_a_pushed_image_is_served_under_the_digest_podman_reports(
    server: RunningServer, http: httpx.Client, sandbox: Sandbox, tmp_path: Path
) -> None:
    image_id = load_image(sandbox, tmp_path)

    digest = push(sandbox, "localhost/seed:v1", f"{server.address}/pod/app:v1")

    served = get_manifest(http, "pod/app", "v1")
    assert served.status_code == 200
    assert served.headers["Docker-Content-Digest"] == digest
    assert digest_of(served.content) == digest
    manifest = served.json()
    assert manifest["config"]["digest"] == image_id
    for blob in referenced_blobs(manifest):
        got = http.get(f"/v2/pod/app/blobs/{blob}")
        assert got.status_code == 200
        assert digest_of(got.content) == blob


def test_an_image_pulled_into_fresh_storage_is_the_image_that_was_pushed(
    server: RunningServer, sandbox: Sandbox, sandboxes: Sandboxes, tmp_path: Path
) -> None:
    image_id = load_image(sandbox, tmp_path)
    digest = push(sandbox, "localhost/seed:v1", f"{server.address}/pod/app:v1")
    elsewhere = sandboxes("elsewhere")

    elsewhere.podman("pull", "-q", PLAIN_HTTP, f"{server.address}/pod/app:v1")
    elsewhere.podman("pull", "-q", PLAIN_HTTP, f"{server.address}/pod/app@{digest}")

    pulled = inspect(elsewhere, f"{server.address}/pod/app:v1")
    assert f"sha256:{pulled['Id']}" == image_id
    assert pulled["Digest"] == digest
    assert f"{server.address}/pod/app@{digest}" in pulled["RepoDigests"]


def test_a_pulled_image_retagged_and_pushed_keeps_its_digest_under_every_name(
    server: RunningServer,
    http: httpx.Client,
    sandbox: Sandbox,
    sandboxes: Sandboxes,
    tmp_path: Path,
) -> None:
    load_image(sandbox, tmp_path)
    digest = push(sandbox, "localhost/seed:v1", f"{server.address}/pod/app:v1")
    elsewhere = sandboxes("elsewhere")
    original = f"{server.address}/pod/app:v1"
    elsewhere.podman("pull", "-q", PLAIN_HTTP, original)

    elsewhere.podman("tag", original, f"{server.address}/pod/app:stable")
    elsewhere.podman("tag", original, f"{server.address}/pod/renamed:v2")
    stable = push(elsewhere, f"{server.address}/pod/app:stable", f"{server.address}/pod/app:stable")
    renamed = push(
        elsewhere, f"{server.address}/pod/renamed:v2", f"{server.address}/pod/renamed:v2"
    )

    assert stable == renamed == digest
    assert http.get("/v2/pod/app/tags/list").json()["tags"] == ["stable", "v1"]
    assert http.get("/v2/pod/renamed/tags/list").json()["tags"] == ["v2"]
    for repository, tag in (("pod/app", "stable"), ("pod/renamed", "v2")):
        assert get_manifest(http, repository, tag).headers["Docker-Content-Digest"] == digest


def test_search_lists_the_tags_of_a_repository(
    server: RunningServer, sandbox: Sandbox, tmp_path: Path
) -> None:
    load_image(sandbox, tmp_path)
    for tag in ("v1", "v2"):
        push(sandbox, "localhost/seed:v1", f"{server.address}/pod/app:{tag}")

    found = json.loads(
        sandbox.podman(
            "search", PLAIN_HTTP, "--list-tags", "--format", "json", f"{server.address}/pod/app"
        )
    )

    assert found == [{"Name": f"{server.address}/pod/app", "Tags": ["v1", "v2"]}]
