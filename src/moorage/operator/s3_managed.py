"""Managed S3 storage: what the operator does to a bucket it manages, and how it reports it.

As OpenShift's operator does, in its order and with its condition reasons: it blocks public
access, tags the bucket, turns on default encryption and adds a lifecycle rule that aborts
multipart uploads left incomplete for a day. A failed step is its condition, False with S3's
error code, and the registry runs on. OpenShift's tag `kubernetes.io/cluster/<infra id>`
names a cluster this registry does not have; the stable `moorage.io/registry` stands for it.
A bucket the operator created is also tagged `moorage.io/provisioned`: with Removed, only
such a bucket is emptied and deleted.
"""

from collections.abc import Callable
from typing import Any

import botocore.exceptions

from moorage.operator.status import Condition
from moorage.storage.s3_client import S3Location, error_code

TAGS = {"moorage.io/registry": "image-registry", "Name": "moorage-image-registry"}
PROVISIONED = "moorage.io/provisioned"
LIFECYCLE_RULE = "cleanup-incomplete-multipart-registry-uploads"
PUBLIC_ACCESS_FLAGS = (
    "BlockPublicAcls",
    "BlockPublicPolicy",
    "IgnorePublicAcls",
    "RestrictPublicBuckets",
)
UNKNOWN = "Unknown Error Occurred"
DELETE_BATCH = 1000  # DeleteObjects takes at most this many keys


def exists(created: bool) -> Condition:
    if created:
        return Condition(
            "StorageExists", True, "Creation Successful", "S3 bucket was successfully created"
        )
    message = "User supplied S3 bucket exists and is accessible"
    return Condition("StorageExists", True, "S3 Bucket Exists", message)


def secure(client: Any, location: S3Location, created: bool) -> list[Condition]:
    """Apply the managed defaults to the bucket; a condition for each."""
    bucket = location.bucket
    block = dict.fromkeys(PUBLIC_ACCESS_FLAGS, True)
    algorithm, default = _encryption(location)
    lifecycle = {
        "Rules": [
            {
                "ID": LIFECYCLE_RULE,
                "Status": "Enabled",
                "Filter": {"Prefix": ""},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
            }
        ]
    }
    return [
        _attempt(
            "StoragePublicAccessBlocked",
            lambda: client.put_public_access_block(
                Bucket=bucket, PublicAccessBlockConfiguration=block
            ),
            "Public Access Block Successful",
            "Public access to the S3 bucket and its contents have been successfully blocked.",
        ),
        _attempt(
            "StorageTagged",
            lambda: _tag(client, bucket, created),
            "Tagging Successful",
            "Tags were successfully applied to the S3 bucket",
        ),
        _attempt(
            "StorageEncrypted",
            lambda: client.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
                },
            ),
            "Encryption Successful",
            f"Default {algorithm} encryption was successfully enabled on the S3 bucket",
        ),
        _attempt(
            "StorageIncompleteUploadCleanupEnabled",
            lambda: client.put_bucket_lifecycle_configuration(
                Bucket=bucket, LifecycleConfiguration=lifecycle
            ),
            "Enable Cleanup Successful",
            "Default cleanup of incomplete multipart uploads after one (1) day was "
            "successfully enabled",
        ),
    ]


def remove(client: Any, location: S3Location) -> Condition:
    """Removed: the bucket goes, emptied first, if the operator created it; else it stays."""
    bucket = location.bucket
    try:
        if _tags(client, bucket).get(PROVISIONED) != "true":
            message = "The S3 bucket was not created by the operator: it is kept."
            return Condition("StorageExists", True, "S3 Bucket Kept", message)
        _empty(client, bucket)
        client.delete_bucket(Bucket=bucket)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) in ("NoSuchBucket", "404"):
            message = "The S3 bucket did not exist."
            return Condition("StorageExists", False, "S3 Bucket Deleted", message)
        return Condition("StorageExists", True, error_code(exc) or UNKNOWN, str(exc))
    except botocore.exceptions.BotoCoreError as exc:
        return Condition("StorageExists", True, UNKNOWN, str(exc))
    return Condition("StorageExists", False, "S3 Bucket Deleted", "The S3 bucket has been removed.")


def _encryption(location: S3Location) -> tuple[str, dict[str, str]]:
    """SSE-KMS with keyID when spec.storage.s3 sets encrypt and keyID, else SSE-S3 (the
    driver's rule for the objects it writes)."""
    if location.encrypt and location.key_id:
        return "aws:kms", {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": location.key_id}
    return "AES256", {"SSEAlgorithm": "AES256"}


def _attempt(kind: str, call: Callable[[], object], reason: str, message: str) -> Condition:
    try:
        call()
    except botocore.exceptions.ClientError as exc:
        return Condition(kind, False, error_code(exc) or UNKNOWN, str(exc))
    except botocore.exceptions.BotoCoreError as exc:
        return Condition(kind, False, UNKNOWN, str(exc))
    return Condition(kind, True, reason, message)


def _tags(client: Any, bucket: str) -> dict[str, str]:
    try:
        tag_set = client.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) != "NoSuchTagSet":
            raise
        return {}
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def _tag(client: Any, bucket: str, created: bool) -> None:
    """Ours added to the bucket's own tags (PutBucketTagging replaces the whole set)."""
    tags = {**_tags(client, bucket), **TAGS}
    if created:
        tags[PROVISIONED] = "true"
    tag_set = [{"Key": key, "Value": value} for key, value in sorted(tags.items())]
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})


def _empty(client: Any, bucket: str) -> None:
    uploads = client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket)
    for page in uploads:
        for upload in page.get("Uploads", []):
            client.abort_multipart_upload(
                Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
            )
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": DELETE_BATCH}
    ):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
