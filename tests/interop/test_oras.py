"""oras pushes and pulls artifacts; artifacts attached to a subject are listed as referrers."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.clients import get_manifest
from tests.support.images import OCI_INDEX, OCI_MANIFEST, digest_of, image, push_image
from tests.support.requirements import require
from tests.support.server import RunningServer

require("oras")

# Imported once `require` has found the SDK, so that its absence is reported as such.
import oras.client  # noqa: E402
import oras.oci  # noqa: E402

pytestmark = pytest.mark.clients

EMPTY = "application/vnd.oci.empty.v1+json"
MODEL_CONFIG = "application/vnd.example.model.config.v1+json"
SBOM = "application/vnd.example.sbom.v1"
SIGNATURE = "application/vnd.example.signature.v1"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """oras pushes only files below the working directory: work in tmp_path."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def client(server: RunningServer) -> oras.client.OrasClient:
    """An oras client with kubeadmin's credentials, which it trades for a registry token when
    challenged. They are given to it directly: `login` would write ~/.docker/config.json."""
    oras_client = oras.client.OrasClient(hostname=server.address, insecure=True)
    oras_client.auth.set_basic_auth(*server.registry_auth)
    return oras_client


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def upload(client: oras.client.OrasClient, target: str, path: Path, media_type: str) -> dict:
    """Upload one blob with oras and return its descriptor."""
    data = path.read_bytes()
    descriptor = {"mediaType": media_type, "digest": digest_of(data), "size": len(data)}
    response = client.upload_blob(str(path), client.get_container(target), descriptor)
    assert response.status_code in (200, 201), response.text
    return descriptor


def artifact_manifest(
    client: oras.client.OrasClient, target: str, workdir: Path, artifact_type: str, **extra: Any
) -> dict[str, Any]:
    """Upload the blobs of an artifact manifest (empty config, one JSON layer) and return it."""
    config = upload(client, target, write(workdir / "empty.json", b"{}"), EMPTY)
    body = json.dumps({"type": artifact_type}).encode()
    layer = upload(client, target, write(workdir / "payload.json", body), "application/json")
    return {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": artifact_type,
        "config": config,
        "layers": [layer],
        **extra,
    }


def test_pushed_files_come_back_byte_for_byte_with_their_media_types(
    server: RunningServer, client: oras.client.OrasClient, workdir: Path
) -> None:
    model = write(workdir / "model.bin", bytes(range(256)) * 64)
    notes = write(workdir / "notes.md", b"# trained on nothing\n")
    config = write(workdir / "config.json", b'{"epochs": 3}')
    target = f"{server.address}/art/model:v1"

    for tag in ("v1", "latest"):
        client.push(
            target=f"{server.address}/art/model:{tag}",
            files=[f"{model}:application/vnd.example.model.v1", f"{notes}:text/markdown"],
            manifest_config=f"{config}:{MODEL_CONFIG}",
        )

    manifest = client.get_manifest(target)
    assert manifest["config"]["mediaType"] == MODEL_CONFIG
    assert manifest["config"]["digest"] == digest_of(config.read_bytes())
    assert [(layer["mediaType"], layer["annotations"]) for layer in manifest["layers"]] == [
        ("application/vnd.example.model.v1", {"org.opencontainers.image.title": "model.bin"}),
        ("text/markdown", {"org.opencontainers.image.title": "notes.md"}),
    ]
    pulled = client.pull(target=target, outdir=str(workdir / "pulled"))
    assert {Path(p).name: Path(p).read_bytes() for p in pulled} == {
        "model.bin": model.read_bytes(),
        "notes.md": notes.read_bytes(),
    }
    assert sorted(client.get_tags(target)) == ["latest", "v1"]


def test_a_manifest_with_an_artifact_type_is_stored_and_served_verbatim(
    server: RunningServer, http: httpx.Client, client: oras.client.OrasClient, workdir: Path
) -> None:
    target = f"{server.address}/art/sbom:v1"
    manifest = artifact_manifest(client, target, workdir, SBOM)

    response = client.upload_manifest(manifest, client.get_container(target))

    assert response.status_code == 201, response.text
    served = get_manifest(http, "art/sbom", "v1")
    assert served.headers["Content-Type"] == OCI_MANIFEST
    assert served.json() == manifest
    assert served.headers["Docker-Content-Digest"] == digest_of(served.content)
    assert served.headers["Docker-Content-Digest"] == response.headers["Docker-Content-Digest"]


def test_artifacts_attached_to_a_subject_are_listed_by_the_referrers_api(
    server: RunningServer, http: httpx.Client, client: oras.client.OrasClient, workdir: Path
) -> None:
    app = image()
    assert push_image(http, "art/app", app, "v1").status_code == 201
    head = http.head("/v2/art/app/manifests/v1", headers={"Accept": OCI_MANIFEST})
    subject = oras.oci.Subject(
        mediaType=head.headers["Content-Type"],
        digest=head.headers["Docker-Content-Digest"],
        size=int(head.headers["Content-Length"]),
    )
    sbom_file = write(workdir / "sbom.spdx.json", b'{"spdxVersion": "SPDX-2.3"}')
    sbom_config = write(workdir / "sbom-config.json", b"{}")

    sbom_push = client.push(
        target=f"{server.address}/art/app:sbom",
        files=[f"{sbom_file}:application/spdx+json"],
        manifest_config=f"{sbom_config}:{SBOM}",
        manifest_annotations={"org.example.kind": "sbom"},
        subject=subject,
    )
    signature = artifact_manifest(
        client, f"{server.address}/art/app", workdir, SIGNATURE, subject=vars(subject)
    )
    signature_push = client.upload_manifest(
        signature, client.get_container(f"{server.address}/art/app:signature")
    )

    assert sbom_push.headers["OCI-Subject"] == subject.digest
    assert signature_push.headers["OCI-Subject"] == subject.digest
    sbom_digest = sbom_push.headers["Docker-Content-Digest"]
    signature_digest = signature_push.headers["Docker-Content-Digest"]

    listed = http.get(f"/v2/art/app/referrers/{subject.digest}")
    assert listed.status_code == 200
    assert listed.headers["Content-Type"] == OCI_INDEX
    referrers = {d["digest"]: d for d in listed.json()["manifests"]}
    assert set(referrers) == {sbom_digest, signature_digest}
    assert referrers[sbom_digest]["artifactType"] == SBOM
    assert referrers[sbom_digest]["annotations"] == {"org.example.kind": "sbom"}
    assert referrers[signature_digest]["artifactType"] == SIGNATURE
    for digest, descriptor in referrers.items():
        manifest = get_manifest(http, "art/app", digest)
        assert descriptor["mediaType"] == OCI_MANIFEST
        assert descriptor["size"] == len(manifest.content)
        assert manifest.json()["subject"]["digest"] == subject.digest

    filtered = http.get(
        f"/v2/art/app/referrers/{subject.digest}", params={"artifactType": SIGNATURE}
    )
    assert filtered.headers["OCI-Filters-Applied"] == "artifactType"
    assert [d["digest"] for d in filtered.json()["manifests"]] == [signature_digest]
