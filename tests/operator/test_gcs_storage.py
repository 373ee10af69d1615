"""spec.storage.gcs, configured the way the specification does it (a patch of the Config), on
a real GCS endpoint (gcp-storage-emulator, named by STORAGE_EMULATOR_HOST in the environment
of `moorage serve`): the replicas keep blobs in the bucket and stream them, since the
emulator cannot sign URLs; a bucket that cannot be used is Degraded in words that say what
to fix, and the running registry keeps serving. The clients' round trips through every
backend are in test_cloud_clients.py."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from moorage.operator import gcs_storage
from moorage.operator.gcs_storage import KEYFILE
from moorage.storage.gcs import UPLOADS
from moorage.storage.gcs_client import make_client
from moorage.upstream.reach import Proxy
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    condition,
    degraded_with,
    push_in_small_patches,
    registry_pods,
    run_on,
    settled,
    use_storage,
    wait_for,
)
from tests.storage.test_gcs import service_account_keyfile
from tests.support.gcs_emulator import GcsEmulator
from tests.support.images import digest_of, push_blob
from tests.support.server import RunningServer


@pytest.fixture
def cluster(tmp_path: Path, gcs: GcsEmulator) -> Iterator[RunningServer]:
    """A registry whose `moorage serve` has STORAGE_EMULATOR_HOST set to the emulator."""
    server = RunningServer(
        tmp_path / "data",
        tmp_path / "server.log",
        ["--workers", "2"],
        env={"STORAGE_EMULATOR_HOST": gcs.host},
    )
    yield server.start()
    if server.process is not None and server.process.poll() is None:
        server.stop()


def test_blob_gets_are_streamed_since_the_emulator_cannot_sign(
    cluster: RunningServer, oc: Cli, gcs: GcsEmulator
) -> None:
    run_on(oc, "gcs", {"bucket": gcs.new_bucket()}, {})
    data = b"streamed bytes" * 1000
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", data).status_code == 201
        got = http.get(f"/v2/openshift/app/blobs/{digest_of(data)}")
        assert (got.status_code, got.content) == (200, data)


def test_a_missing_bucket_is_degraded_in_words_and_the_registry_serves_on(
    cluster: RunningServer, oc: Cli
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    before = {pod["metadata"]["name"] for pod in registry_pods(oc)}
    use_storage(oc, "gcs", {"bucket": "nobody-made-this"})
    wait_for(lambda: degraded_with(oc, "does not exist: create it"), "Degraded")
    assert "bucket 'nobody-made-this'" in condition(oc, "Degraded")["message"]
    assert condition(oc, "StorageExists")["status"] == "False"
    assert {pod["metadata"]["name"] for pod in registry_pods(oc)} == before
    with cluster.registry_client() as http:
        assert http.get("/v2/").status_code == 200


def test_without_an_emulator_the_keyfile_is_required_and_must_be_a_service_account_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    _, problem = gcs_storage.location({"bucket": "images"}, {})
    assert problem is not None and "create Secret" in problem and KEYFILE in problem
    _, problem = gcs_storage.location({"bucket": "images"}, {KEYFILE: "not json"})
    assert problem is not None and "is not a service account's JSON key" in problem
    found, problem = gcs_storage.location(
        {"bucket": "images"}, {KEYFILE: service_account_keyfile()}
    )
    assert problem is None and found.emulator_host == ""


def test_the_emulator_host_is_taken_in_its_usual_host_port_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", "127.0.0.1:9023")
    found, problem = gcs_storage.location({"bucket": "images"}, {})
    assert (found.emulator_host, problem) == ("http://127.0.0.1:9023", None)


def test_small_patches_over_fresh_connections_make_a_valid_blob_on_gcs(
    cluster: RunningServer, oc: Cli, gcs: GcsEmulator
) -> None:
    bucket = gcs.new_bucket()
    run_on(oc, "gcs", {"bucket": bucket}, {})
    push_in_small_patches(cluster, os.urandom(12 << 20), 300 << 10)
    client = make_client(gcs.location(bucket))
    assert [blob.name for blob in client.list_blobs(bucket, prefix=UPLOADS)] == []
    client.close()


def test_the_bucket_is_reached_through_the_configs_proxy_unless_no_proxy_names_it() -> None:
    spec, proxy = {"bucket": "images"}, "http://proxy.example:3128"
    found, _ = gcs_storage.location(spec, {}, Proxy(https=proxy))
    assert found.proxy == proxy  # to storage.googleapis.com
    found, _ = gcs_storage.location(spec, {}, Proxy(https=proxy, no_proxy=".googleapis.com"))
    assert found.proxy == ""
