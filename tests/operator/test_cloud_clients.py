"""skopeo, podman, buildah and oras push to a registry on each cloud backend (S3 on moto, Azure
on Azurite, GCS on gcp-storage-emulator), configured the way the specification does it (the
credentials Secret, then a patch of the Config's storage), and pull back what they pushed,
bit for bit. On S3 and Azure every blob GET is answered with a redirect to the store's signed
URL, which the clients follow; the GCS emulator cannot sign, so there the registry streams.

One registry per backend serves the module's tests, each in a repository of its own."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.operator.conftest import CONFIG, condition, get_json, run_on, run_on_s3, wait_for
from tests.support.azurite import ACCOUNT, Azurite
from tests.support.clients import Layout, Sandbox, get_manifest, logged_requests, sandboxes_for
from tests.support.gcs_emulator import GcsEmulator
from tests.support.images import Image, digest_of, image, write_oci_layout
from tests.support.moto import MotoServer
from tests.support.requirements import require
from tests.support.server import RunningServer

pytestmark = pytest.mark.clients

PLAIN_HTTP = "--tls-verify=false"


def on_s3(oc: Cli, moto: MotoServer) -> str:
    run_on_s3(oc, {"bucket": moto.new_bucket(), "regionEndpoint": moto.endpoint})
    return f"{moto.endpoint}/"


def on_azure(oc: Cli, azurite: Azurite) -> str:
    container = azurite.new_container()
    spec = {"accountName": ACCOUNT, "container": container}
    run_on(oc, "azure", spec, azurite.credentials())
    return f"{azurite.service_url}/{container}/"


def on_gcs(oc: Cli, gcs: GcsEmulator) -> str:
    run_on(oc, "gcs", {"bucket": gcs.new_bucket()}, {})
    return ""


# Each backend: the session fixture of its emulator, and how the specification moves the
# registry onto it (returning where its signed URLs point, "" when it streams).
BACKENDS: dict[str, tuple[str, Callable[[Cli, Any], str]]] = {
    "s3": ("moto", on_s3),
    "azure": ("azurite", on_azure),
    "gcs": ("gcs", on_gcs),
}


@dataclass(frozen=True)
class CloudRegistry:
    server: RunningServer
    oc: Cli
    signed_urls_at: str  # "" when the registry streams blobs itself

    def repository(self, name: str) -> str:
        return f"{self.server.address}/openshift/{name}"

    def assert_blobs_came_from_the_store(self, name: str, digests: Iterable[str]) -> None:
        """Every GET of these blobs in openshift/`name` was answered with a redirect to the
        store's signed URL (which holds the blob), or streamed when the store cannot sign."""
        paths = {f"/v2/openshift/{name}/blobs/{digest}": digest for digest in digests}
        wait_for(lambda: set(self._answers(paths)) == set(paths.values()), "the GETs' log lines")
        expected = 307 if self.signed_urls_at else 200
        assert self._answers(paths) == {digest: {expected} for digest in paths.values()}
        if self.signed_urls_at:
            path, digest = next(iter(paths.items()))
            with self.server.registry_client() as http:
                signed = http.get(path).headers["Location"]
            assert signed.startswith(self.signed_urls_at), signed
            assert digest_of(httpx.get(signed).raise_for_status().content) == digest

    def _answers(self, paths: dict[str, str]) -> dict[str, set[int]]:
        """The statuses the replicas logged for GETs of `paths`, by digest."""
        answers: dict[str, set[int]] = {}
        for log in (self.server.data_dir / "logs").glob("image-registry-*.log"):
            for method, path, status in logged_requests(log.read_text()):
                if method == "GET" and path in paths:
                    answers.setdefault(paths[path], set()).add(status)
        return answers


@pytest.fixture(scope="module", params=sorted(BACKENDS))
def registry(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CloudRegistry]:
    emulator_fixture, move_onto = BACKENDS[request.param]
    emulator = request.getfixturevalue(emulator_fixture)
    env = {"STORAGE_EMULATOR_HOST": emulator.host} if request.param == "gcs" else {}
    root = tmp_path_factory.mktemp(request.param)
    server = RunningServer(root / "data", root / "server.log", ["--workers", "1"], env=env)
    server.start()
    try:
        oc = Cli(root / "kubeconfig", root, server)
        oc("login", server.api_url, "-u", "kubeadmin", "-p", server.kubeadmin_password)
        yield CloudRegistry(server, oc, move_onto(oc, emulator))
    finally:
        server.stop()
    # Every answer the clients got must be a deliberate one, never a crash.
    assert "unhandled error" not in server.log(), server.log()[-5000:]


@pytest.fixture
def sandboxes(registry: CloudRegistry, tmp_path: Path) -> Iterator[Callable[[str], Sandbox]]:
    """Client sandboxes under tmp_path by name, logged in to the registry as kubeadmin."""
    with sandboxes_for(registry.server, tmp_path) as make:
        yield make


def small_image(tmp_path: Path) -> tuple[Image, Path]:
    """A two-layer image of a few KiB, gzipped as clients push layers, in an OCI layout."""
    img = image(layers=2, compressed=True)
    return img, write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])


def test_the_store_the_config_names_is_unmanaged_and_found(registry: CloudRegistry) -> None:
    assert get_json(registry.oc, CONFIG)["spec"]["storage"]["managementState"] == "Unmanaged"
    assert condition(registry.oc, "StorageExists")["status"] == "True"
    assert condition(registry.oc, "Degraded")["status"] == "False"


def test_skopeo_copies_an_image_in_and_back_out_bit_for_bit(
    registry: CloudRegistry, sandboxes: Callable[[str], Sandbox], tmp_path: Path
) -> None:
    require("skopeo")
    img, layout = small_image(tmp_path)
    skopeo = sandboxes("skopeo")
    remote = f"docker://{registry.repository('skopeo')}:v1"
    skopeo.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", remote)
    pulled = Layout(tmp_path / "pulled")
    skopeo.skopeo("copy", "--src-tls-verify=false", remote, f"oci:{pulled.root}:v1")

    assert pulled.manifest_digest("v1") == img.digest
    assert pulled.blob_digests() == {img.digest, *map(digest_of, img.blobs)}
    registry.assert_blobs_came_from_the_store("skopeo", map(digest_of, img.blobs))


@pytest.mark.parametrize("client", ["podman", "buildah"])
def test_an_image_pushed_from_local_storage_is_pulled_into_another_the_same(
    registry: CloudRegistry, sandboxes: Callable[[str], Sandbox], tmp_path: Path, client: str
) -> None:
    require(client)
    img, layout = small_image(tmp_path)
    pusher, puller = sandboxes("pusher"), sandboxes("puller")
    run: Callable[..., str] = getattr(pusher, client)
    local_id = run("pull", "-q", f"oci:{layout}:v1").strip()
    remote = f"{registry.repository(client)}:v1"
    digest_file = tmp_path / "pushed-digest"
    run("push", PLAIN_HTTP, "--digestfile", digest_file, local_id, f"docker://{remote}")
    pushed = digest_file.read_text().strip()

    pull: Callable[..., str] = getattr(puller, client)
    assert pull("pull", "-q", PLAIN_HTTP, remote).strip() == local_id
    assert pull("images", "--format", "{{.Digest}}", remote).strip() == pushed
    with registry.server.registry_client() as http:
        manifest = get_manifest(http, f"openshift/{client}", pushed).json()
    assert manifest["config"]["digest"] == digest_of(img.config)
    layers = [layer["digest"] for layer in manifest["layers"]]
    registry.assert_blobs_came_from_the_store(client, [digest_of(img.config), *layers])


def test_oras_pushes_files_and_pulls_them_back_bit_for_bit(
    registry: CloudRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require("oras")
    import oras.client  # once `require` has found the SDK, so that its absence is reported

    monkeypatch.chdir(tmp_path)  # oras pushes only files below the working directory
    oras_client = oras.client.OrasClient(hostname=registry.server.address, insecure=True)
    oras_client.auth.set_basic_auth(*registry.server.registry_auth)
    files = {"model.bin": bytes(range(256)) * 64, "notes.md": b"# trained on nothing\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    target = f"{registry.repository('oras')}:v1"
    oras_client.push(target=target, files=[f"{name}:application/octet-stream" for name in files])

    pulled = oras_client.pull(target=target, outdir=str(tmp_path / "pulled"))
    assert {Path(path).name: Path(path).read_bytes() for path in pulled} == files
    registry.assert_blobs_came_from_the_store("oras", map(digest_of, files.values()))
