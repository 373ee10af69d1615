"""An image built by buildah and pushed to the registry comes back out with its label and file."""

import io
import tarfile
from pathlib import Path

import httpx
import pytest

from tests.support.clients import Layout, Sandbox, get_manifest
from tests.support.images import OCI_MANIFEST, digest_of
from tests.support.requirements import require
from tests.support.server import RunningServer

require("buildah")
require("skopeo")
pytestmark = pytest.mark.clients

LABEL = "org.example.built-by"


def build(sandbox: Sandbox, content: Path, name: str) -> None:
    """A scratch image holding `content` at /etc/greeting, labelled, committed as OCI."""
    container = sandbox.buildah("from", "scratch").strip()
    try:
        sandbox.buildah("copy", container, content, "/etc/greeting")
        sandbox.buildah("config", "--label", f"{LABEL}=buildah", container)
        sandbox.buildah("commit", "-q", "--format", "oci", container, name)
    finally:
        sandbox.buildah("rm", container)


def files_in(layer: bytes) -> dict[str, bytes]:
    """Regular files of a (possibly compressed) tar layer, by path without a leading ./ or /."""
    with tarfile.open(fileobj=io.BytesIO(layer), mode="r:*") as tar:
        files = {}
        for member in tar.getmembers():
            data = tar.extractfile(member) if member.isfile() else None
            if data is not None:
                files[member.name.removeprefix("./").removeprefix("/")] = data.read()
        return files


def test_a_buildah_image_pushed_to_the_registry_keeps_its_label_and_its_file(
    server: RunningServer, http: httpx.Client, sandbox: Sandbox, tmp_path: Path
) -> None:
    greeting = tmp_path / "greeting.txt"
    greeting.write_bytes(b"hello from buildah\n")
    build(sandbox, greeting, "localhost/built/app:v1")
    digest_file = tmp_path / "digest"

    sandbox.buildah(
        "push",
        "--tls-verify=false",
        "--digestfile",
        digest_file,
        "localhost/built/app:v1",
        f"docker://{server.address}/built/app:v1",
    )

    served = get_manifest(http, "built/app", "v1")
    assert served.headers["Content-Type"] == OCI_MANIFEST
    assert served.headers["Docker-Content-Digest"] == digest_file.read_text().strip()
    out = Layout(tmp_path / "out")
    sandbox.skopeo(
        "copy",
        "--src-tls-verify=false",
        f"docker://{server.address}/built/app:v1",
        f"oci:{out.root}:v1",
    )
    assert out.manifest_digest("v1") == digest_of(served.content)
    manifest = out.json_blob(out.manifest_digest("v1"))
    config = out.json_blob(manifest["config"]["digest"])
    assert config["config"]["Labels"][LABEL] == "buildah"
    [layer] = manifest["layers"]
    assert files_in(out.blob(layer["digest"])) == {"etc/greeting": b"hello from buildah\n"}
