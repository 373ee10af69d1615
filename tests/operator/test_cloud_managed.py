"""Managed Azure and GCS storage on real emulators (Azurite, gcp-storage-emulator),
configured as the specification does it: the operator names and creates the container or
bucket when none is given, secures it and reports each step as a condition; Removed deletes
only what it created, and Managed makes it again."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import ResourceNotFoundError

from moorage.operator import azure_managed, gcs_managed
from moorage.storage.azure_client import make_client as azure_client
from moorage.storage.gcs import UPLOADS
from moorage.storage.gcs_client import make_client as gcs_client
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    condition,
    get_json,
    remove_registry,
    run_on,
    serving_on,
    settled,
    wait_for,
)
from tests.support.azurite import ACCOUNT, ACCOUNT_KEY, Azurite
from tests.support.gcs_emulator import GcsEmulator
from tests.support.images import push_blob
from tests.support.server import RunningServer

KMS_KEY = "projects/registry/locations/global/keyRings/registry/cryptoKeys/blobs"


def _reasons(oc: Cli) -> dict[str, tuple[str, str]]:
    conditions = get_json(oc, CONFIG).get("status", {}).get("conditions", [])
    return {
        c["type"]: (c["status"], c["reason"]) for c in conditions if c["type"].startswith("Storage")
    }


@pytest.fixture
def cluster(tmp_path: Path, gcs: GcsEmulator) -> Iterator[RunningServer]:
    """A registry whose `moorage serve` has STORAGE_EMULATOR_HOST set to the GCS emulator."""
    server = RunningServer(
        tmp_path / "data",
        tmp_path / "server.log",
        ["--workers", "2"],
        env={"STORAGE_EMULATOR_HOST": gcs.host},
    )
    yield server.start()
    if server.process is not None and server.process.poll() is None:
        server.stop()


def test_an_azure_container_the_operator_creates_is_private_and_removed_with_the_registry(
    cluster: RunningServer, oc: Cli, azurite: Azurite
) -> None:
    secret = {
        "REGISTRY_STORAGE_AZURE_ACCOUNTKEY": ACCOUNT_KEY,
        "REGISTRY_STORAGE_AZURE_SERVICEURL": azurite.service_url,
    }
    run_on(oc, "azure", {"accountName": ACCOUNT}, secret, "Managed")
    assert _reasons(oc) == {
        "StorageExists": ("True", "Creation Successful"),
        "StoragePublicAccessBlocked": ("True", "Public Access Block Successful"),
        "StorageEncrypted": ("True", "Encrypted At Rest"),
        "StorageIncompleteUploadCleanupEnabled": ("True", "Registry Sweeps Uploads"),
    }
    assert get_json(oc, CONFIG)["status"]["storageManaged"] is True
    name = get_json(oc, CONFIG)["spec"]["storage"]["azure"]["container"]
    assert name.startswith("moorage-image-registry-")
    container: Any = azure_client(azurite.location(name))
    properties = container.get_container_properties()
    assert (properties.public_access, properties.metadata) == (
        None,
        {azure_managed.PROVISIONED: "true"},
    )
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", b"a layer").status_code == 201

    remove_registry(oc)
    deleted = ("False", azure_managed.DELETED)
    wait_for(lambda: _reasons(oc).get("StorageExists") == deleted, "the container to go")
    with pytest.raises(ResourceNotFoundError):
        container.get_container_properties()

    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Managed"}}')
    wait_for(lambda: serving_on(oc, "azure"), "the registry to run again", timeout=120)
    assert container.get_container_properties().metadata == {azure_managed.PROVISIONED: "true"}
    container.close()


def test_a_gcs_bucket_the_operator_finds_is_secured_labelled_and_kept_when_removed(
    cluster: RunningServer, oc: Cli, gcs: GcsEmulator
) -> None:
    name = gcs.new_bucket()
    run_on(oc, "gcs", {"bucket": name, "keyID": KMS_KEY}, {}, "Managed")
    assert _reasons(oc) == {
        "StorageExists": ("True", "GCS Bucket Exists"),
        "StoragePublicAccessBlocked": ("True", "Public Access Block Successful"),
        "StorageTagged": ("True", "Tagging Successful"),
        "StorageEncrypted": ("True", "Encryption Successful"),
        "StorageIncompleteUploadCleanupEnabled": ("True", "Enable Cleanup Successful"),
    }
    client = gcs_client(gcs.location(name))
    bucket = client.get_bucket(name)
    assert bucket.iam_configuration.public_access_prevention == "enforced"
    assert bucket.labels == gcs_managed.LABELS
    assert bucket.default_kms_key_name == KMS_KEY
    (rule,) = bucket.lifecycle_rules
    assert rule == {
        "action": {"type": "Delete"},
        "condition": {"age": 1, "matchesPrefix": [UPLOADS]},
    }

    remove_registry(oc)
    wait_for(lambda: settled(oc), "the replicas to stop")
    kept = ("True", gcs_managed.KEPT)
    wait_for(lambda: _reasons(oc).get("StorageExists") == kept, "the bucket to be kept")
    assert client.get_bucket(name).name == name
    client.close()


def test_a_gcs_bucket_the_operator_creates_is_deleted_with_the_registry(
    cluster: RunningServer, oc: Cli, gcs: GcsEmulator
) -> None:
    run_on(oc, "gcs", {}, {}, "Managed")
    assert _reasons(oc)["StorageExists"] == ("True", "Creation Successful")
    assert condition(oc, "StorageEncrypted")["reason"] == "Encrypted At Rest"
    name = get_json(oc, CONFIG)["spec"]["storage"]["gcs"]["bucket"]
    client = gcs_client(gcs.location(name))
    assert client.get_bucket(name).labels == {**gcs_managed.LABELS, gcs_managed.PROVISIONED: "true"}
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", b"a layer").status_code == 201

    remove_registry(oc)
    deleted = ("False", gcs_managed.DELETED)
    wait_for(lambda: _reasons(oc).get("StorageExists") == deleted, "the bucket to go")
    assert client.lookup_bucket(name) is None
    client.close()
