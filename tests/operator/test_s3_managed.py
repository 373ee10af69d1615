"""Managed S3 storage on a real S3 endpoint (moto's server), configured as the specification
does it: the operator secures the bucket it creates or finds and reports each step as a
condition; Unmanaged storage is left as it is; Removed deletes only the bucket it created."""

from typing import Any

import pytest
from botocore.exceptions import ClientError

from moorage.operator.s3_managed import LIFECYCLE_RULE, PROVISIONED
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    condition,
    create_s3_credentials,
    get_json,
    remove_registry,
    run_on_s3,
    serving_s3,
    settled,
    use_s3,
    wait_for,
)
from tests.support.images import push_blob
from tests.support.moto import MotoServer
from tests.support.server import RunningServer

STEPS = {
    "StorageExists": "Creation Successful",
    "StoragePublicAccessBlocked": "Public Access Block Successful",
    "StorageTagged": "Tagging Successful",
    "StorageEncrypted": "Encryption Successful",
    "StorageIncompleteUploadCleanupEnabled": "Enable Cleanup Successful",
}


def _reasons(oc: Cli) -> dict[str, tuple[str, str]]:
    conditions = get_json(oc, CONFIG).get("status", {}).get("conditions", [])
    return {c["type"]: (c["status"], c["reason"]) for c in conditions if c["type"] in STEPS}


def _tags(client: Any, bucket: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=bucket)["TagSet"]}


def _default_encryption(client: Any, bucket: str) -> dict[str, str]:
    (rule,) = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    return rule["ApplyServerSideEncryptionByDefault"]


def test_a_bucket_the_operator_creates_is_private_encrypted_cleaned_up_and_tagged(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    run_on_s3(oc, {"regionEndpoint": moto.endpoint}, "Managed")
    assert _reasons(oc) == {kind: ("True", reason) for kind, reason in STEPS.items()}
    assert "AES256" in condition(oc, "StorageEncrypted")["message"]
    assert get_json(oc, CONFIG)["status"]["storageManaged"] is True

    bucket = get_json(oc, CONFIG)["spec"]["storage"]["s3"]["bucket"]
    client: Any = moto.client()
    blocked = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert blocked == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert _default_encryption(client, bucket)["SSEAlgorithm"] == "AES256"
    (rule,) = client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert (rule["ID"], rule["Status"]) == (LIFECYCLE_RULE, "Enabled")
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert _tags(client, bucket) == {
        "moorage.io/registry": "image-registry",
        "Name": "moorage-image-registry",
        PROVISIONED: "true",
    }
    client.close()


def test_a_managed_bucket_that_exists_gets_kms_with_key_id_keeps_its_tags_and_outlives_removal(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    bucket = moto.new_bucket()
    client: Any = moto.client()
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
    create_s3_credentials(oc)
    s3 = {"bucket": bucket, "regionEndpoint": moto.endpoint, "encrypt": True, "keyID": "alias/r"}
    use_s3(oc, s3, "Managed")
    wait_for(lambda: serving_s3(oc), "the registry to run on the bucket", timeout=120)
    assert _reasons(oc)["StorageExists"] == ("True", "S3 Bucket Exists")
    assert "aws:kms" in condition(oc, "StorageEncrypted")["message"]
    assert _default_encryption(client, bucket) == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": "alias/r",
    }
    assert _tags(client, bucket) == {
        "team": "a",
        "moorage.io/registry": "image-registry",
        "Name": "moorage-image-registry",
    }

    remove_registry(oc)
    kept = ("True", "S3 Bucket Kept")
    wait_for(lambda: _reasons(oc).get("StorageExists") == kept, "the bucket to be kept")
    assert _bucket_exists(client, bucket)
    client.close()


def test_unmanaged_storage_is_left_as_it_is(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    bucket = moto.new_bucket()
    run_on_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint}, "Unmanaged")
    assert _reasons(oc) == {"StorageExists": ("True", "S3 Bucket Exists")}
    assert get_json(oc, CONFIG)["status"]["storageManaged"] is False
    client: Any = moto.client()
    for untouched in (
        client.get_public_access_block,
        client.get_bucket_encryption,
        client.get_bucket_lifecycle_configuration,
        client.get_bucket_tagging,
    ):
        with pytest.raises(ClientError):
            untouched(Bucket=bucket)
    client.close()


def _bucket_exists(client: Any, bucket: str) -> bool:
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        return False
    return True


def test_removed_deletes_the_bucket_the_operator_created_and_managed_makes_it_again(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    run_on_s3(oc, {"regionEndpoint": moto.endpoint}, "Managed")
    bucket = get_json(oc, CONFIG)["spec"]["storage"]["s3"]["bucket"]
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", b"a layer").status_code == 201
    client: Any = moto.client()
    client.create_multipart_upload(Bucket=bucket, Key="docker/registry/v2/uploads/left")

    remove_registry(oc)
    deleted = ("False", "S3 Bucket Deleted")
    wait_for(lambda: _reasons(oc).get("StorageExists") == deleted, "the bucket to go")
    assert not _bucket_exists(client, bucket)
    assert condition(oc, "StorageExists")["message"] == "The S3 bucket has been removed."
    assert get_json(oc, CONFIG)["status"]["storageManaged"] is False

    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Managed"}}')
    wait_for(lambda: serving_s3(oc), "the registry to run again", timeout=120)
    assert _bucket_exists(client, bucket)
    assert _reasons(oc)["StorageExists"] == ("True", "Creation Successful")
    client.close()


def test_removed_keeps_an_unmanaged_bucket_and_what_it_holds(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    bucket = moto.new_bucket()
    run_on_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint}, "Unmanaged")
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", b"a layer").status_code == 201

    remove_registry(oc)
    wait_for(lambda: settled(oc), "the replicas to stop")
    client: Any = moto.client()
    assert client.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    assert "StorageExists" not in _reasons(oc)
    client.close()
