"""A full disk is an answer, not a crash: a real `moorage serve` on a 24 MiB volume of its own.

Writes past the free space are refused in each protocol's own format (507, an OCI error
body on the registry, a Status on the API), the refused upload's bytes are freed at once,
reads go on, the API warns while space is low, and once space comes back every write
works again without a restart.
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.support.clients import ClientFailed, Sandbox, require
from tests.support.images import digest_of, image, push_blob, push_image, write_oci_layout
from tests.support.server import MOORAGE, RunningServer, free_port
from tests.support.volumes import MiB, fill, free_bytes, small_volume

FULL = "the registry's storage is full"
LOW = "the registry's storage is running out of space"


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    with small_volume(tmp_path / "volume", 24) as path:
        yield path


@pytest.fixture
def small_server(volume: Path, tmp_path: Path) -> Iterator[RunningServer]:
    running = RunningServer(volume / "data", tmp_path / "server.log", ["--workers", "1"])
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()
    assert "unhandled error" not in running.log(), running.log()[-5000:]


def uploads_left(server: RunningServer) -> list[Path]:
    return list((server.data_dir / "storage" / "uploads").iterdir())


def assert_storage_full(response: httpx.Response) -> None:
    assert response.status_code == 507, response.text
    [error] = response.json()["errors"]
    assert error["code"] == "UNAVAILABLE"
    assert FULL in error["message"]


def config_map(name: str, size: int = 0) -> dict[str, object]:
    return {"metadata": {"name": name}, "data": {"payload": "x" * size}}


@pytest.mark.clients
def test_a_skopeo_push_larger_than_the_volume_fails_saying_so_and_leaves_no_bytes_behind(
    small_server: RunningServer, volume: Path, tmp_path: Path
) -> None:
    require("skopeo")
    earlier = image()
    with small_server.registry_client() as http:
        assert push_image(http, "test/earlier", earlier, "v1").status_code == 201
    free = free_bytes(volume)
    big = image(layers=1, layer_size=30 * MiB)
    layout = write_oci_layout(tmp_path / "layout", {"v1": big.manifest}, [big])
    sandbox = Sandbox(tmp_path / "skopeo").log_in(small_server.address, *small_server.registry_auth)
    destination = f"docker://{small_server.address}/test/big:v1"
    try:
        # containers/image reads no error body of a 5xx: the status line is what users see.
        with pytest.raises(ClientFailed, match="507 Insufficient Storage"):
            sandbox.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", destination)
    finally:
        sandbox.close()
    assert uploads_left(small_server) == []
    assert free_bytes(volume) >= free - MiB  # the small config blob may have landed
    with small_server.registry_client() as http:
        assert http.get("/v2/test/earlier/manifests/v1").content == earlier.manifest
        for blob in earlier.blobs:
            assert http.get(f"/v2/test/earlier/blobs/{digest_of(blob)}").content == blob


def test_a_chunk_past_the_free_space_is_refused_and_its_upload_dropped(
    small_server: RunningServer, volume: Path
) -> None:
    free = free_bytes(volume)
    with small_server.registry_client() as http:
        location = http.post("/v2/test/big/blobs/uploads/").headers["Location"]
        refused = http.patch(location, content=os.urandom(30 * MiB))
        assert_storage_full(refused)
        assert http.get(location).status_code == 404  # the upload is gone with its bytes
    assert uploads_left(small_server) == []
    assert free_bytes(volume) >= free - MiB


def test_a_cancelled_upload_frees_its_bytes(small_server: RunningServer, volume: Path) -> None:
    free = free_bytes(volume)
    with small_server.registry_client() as http:
        location = http.post("/v2/test/cancelled/blobs/uploads/").headers["Location"]
        assert http.patch(location, content=os.urandom(8 * MiB)).status_code == 202
        assert free_bytes(volume) <= free - 8 * MiB
        assert http.delete(location).status_code == 204
    assert free_bytes(volume) >= free - MiB


def test_a_full_disk_refuses_writes_serves_reads_and_recovers_without_restart(
    small_server: RunningServer, volume: Path, tmp_path: Path
) -> None:
    earlier = image()
    with small_server.registry_client() as http:
        assert push_image(http, "test/earlier", earlier, "v1").status_code == 201
    cli = Cli(tmp_path / "kube" / "config", tmp_path)
    cli("login", small_server.api_url, "-u", "kubeadmin", "-p", small_server.kubeadmin_password)
    fill(volume / "filler")

    with small_server.registry_client() as http, small_server.api_client() as api:
        assert_storage_full(push_blob(http, "test/later", os.urandom(64 * 1024)))
        tagged = http.put(
            "/v2/test/earlier/manifests/v2",
            content=earlier.manifest,
            headers={"Content-Type": earlier.media_type},
        )
        assert_storage_full(tagged)  # the blob is there: the metadata database is what is full
        assert http.get("/v2/test/earlier/manifests/v1").content == earlier.manifest
        for blob in earlier.blobs:
            assert http.get(f"/v2/test/earlier/blobs/{digest_of(blob)}").content == blob
        refused = api.post("/api/v1/namespaces/test/configmaps", json=config_map("full", 4096))
        assert refused.status_code == 507
        assert refused.json()["reason"] == "InternalError"
        assert FULL in refused.json()["message"]
        listed = api.get("/apis/image.openshift.io/v1/namespaces/test/imagestreams")
        assert listed.status_code == 200
        assert LOW in listed.headers["Warning"]
    new_project = cli.run("new-project", "while-full")
    assert new_project.returncode != 0
    assert f"Warning: {LOW}" in new_project.stderr
    assert f"error: {FULL}" in new_project.stderr
    assert "Traceback" not in new_project.stderr

    (volume / "filler").unlink()
    with small_server.registry_client() as http, small_server.api_client() as api:
        assert push_image(http, "test/later", image(), "v1").status_code == 201
        created = api.post("/api/v1/namespaces/test/configmaps", json=config_map("room"))
        assert created.status_code == 201
        assert "Warning" not in created.headers
    cli("new-project", "after-full")


def test_start_up_warns_when_space_is_low(small_server: RunningServer, volume: Path) -> None:
    fill(volume / "filler", leave=512 * 1024)
    assert small_server.stop() == 0
    small_server.start()
    assert LOW in small_server.log()
    with small_server.api_client() as api:
        assert LOW in api.get("/api/v1/namespaces/test/configmaps").headers["Warning"]


def serve_on_full_volume(volume: Path) -> subprocess.CompletedProcess[str]:
    fill(volume / "filler")
    ports = ["--listen", f"127.0.0.1:{free_port()}", "--api-listen", f"127.0.0.1:{free_port()}"]
    ports += ["--ingress-listen", "off"]
    serve = [*MOORAGE, "serve", "--data-dir", str(volume / "data"), *ports]
    return subprocess.run(serve, capture_output=True, text=True, timeout=60, check=False)


def assert_refused_saying(done: subprocess.CompletedProcess[str], line: str) -> None:
    assert done.returncode == 2, done.stderr
    assert LOW in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == f"error: {line}"


def test_a_server_that_cannot_make_its_certificates_on_a_full_volume_says_so(
    volume: Path,
) -> None:
    done = serve_on_full_volume(volume)
    data = volume / "data"
    assert_refused_saying(
        done, f"cannot make the TLS certificates in {data}/tls: no space left on {data}"
    )


def test_a_server_that_cannot_make_its_database_on_a_full_volume_says_so(
    small_server: RunningServer, volume: Path
) -> None:
    assert small_server.stop() == 0  # the certificates are made; the database goes
    data = small_server.data_dir
    for made in data.glob("metadata.db*"):
        made.unlink()
    done = serve_on_full_volume(volume)
    assert_refused_saying(
        done, f"cannot prepare the database sqlite:///{data}/metadata.db: no space left on {data}"
    )
