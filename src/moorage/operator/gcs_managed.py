"""Managed GCS storage: what the operator does to a bucket it manages, and how it reports it,
in the conditions OpenShift reports for S3.

A missing bucket is created (in spec.storage.gcs.region when set). Every managed bucket gets
public access prevention with uniform bucket-level access, the labels below, default
encryption with the Cloud KMS key keyID names (without one, GCS encrypts at rest with its
own keys and there is nothing to turn on), and a lifecycle rule deleting upload objects a
day old (GCS has no multipart uploads for such a rule to abort: the driver's uploads are
objects). A bucket the operator created is also labelled `moorage-provisioned`: with
Removed, only such a bucket is emptied and deleted. Each step is its condition; a failed one
is False with the error's name, and the registry runs on.
"""

from collections.abc import Callable
from typing import Any

from google.api_core.exceptions import NotFound

from moorage.operator.cloud_checks import PROBE_TIMEOUT
from moorage.operator.status import Condition
from moorage.storage.gcs import UPLOADS
from moorage.storage.gcs_client import FAILURES, GcsLocation

LABELS = {"moorage-registry": "image-registry"}
PROVISIONED = "moorage-provisioned"
UNKNOWN = "Unknown Error Occurred"
DELETED, KEPT = "GCS Bucket Deleted", "GCS Bucket Kept"
CALL = {"timeout": PROBE_TIMEOUT, "retry": None}


def exists(created: bool) -> Condition:
    if created:
        message = "GCS bucket was successfully created"
        return Condition("StorageExists", True, "Creation Successful", message)
    message = "User supplied GCS bucket exists and is accessible"
    return Condition("StorageExists", True, "GCS Bucket Exists", message)


def create(client: Any, found: GcsLocation) -> Any:
    """The new bucket."""
    return client.create_bucket(found.bucket, location=found.region or None, **CALL)


def secure(bucket: Any, found: GcsLocation, created: bool) -> list[Condition]:
    return [
        _attempt(
            "StoragePublicAccessBlocked",
            lambda: _block_public_access(bucket),
            "Public Access Block Successful",
            "Public access to the GCS bucket and its objects has been prevented.",
        ),
        _attempt(
            "StorageTagged",
            lambda: _label(bucket, created),
            "Tagging Successful",
            "Labels were successfully applied to the GCS bucket",
        ),
        _encrypt(bucket, found.key_id),
        _attempt(
            "StorageIncompleteUploadCleanupEnabled",
            lambda: _clean_up_uploads(bucket),
            "Enable Cleanup Successful",
            "Upload objects left for one (1) day are deleted by a lifecycle rule",
        ),
    ]


def remove(client: Any, found: GcsLocation) -> Condition:
    """Removed: the bucket goes, emptied first, if the operator created it; else it stays."""
    try:
        bucket = client.get_bucket(found.bucket, **CALL)
        if (bucket.labels or {}).get(PROVISIONED) != "true":
            message = "The GCS bucket was not created by the operator: it is kept."
            return Condition("StorageExists", True, KEPT, message)
        for blob in client.list_blobs(bucket, **CALL):
            blob.delete(**CALL)
        bucket.delete(**CALL)
    except NotFound:
        return Condition("StorageExists", False, DELETED, "The GCS bucket did not exist.")
    except FAILURES as exc:
        return Condition("StorageExists", True, type(exc).__name__, str(exc))
    return Condition("StorageExists", False, DELETED, "The GCS bucket has been removed.")


def _block_public_access(bucket: Any) -> None:
    bucket.iam_configuration.public_access_prevention = "enforced"
    bucket.iam_configuration.uniform_bucket_level_access_enabled = True
    bucket.patch(**CALL)


def _label(bucket: Any, created: bool) -> None:
    labels = {**(bucket.labels or {}), **LABELS}
    if created:
        labels[PROVISIONED] = "true"
    bucket.labels = labels
    bucket.patch(**CALL)


def _encrypt(bucket: Any, key_id: str) -> Condition:
    if not key_id:
        message = "GCS encrypts every object at rest with Google-managed keys"
        return Condition("StorageEncrypted", True, "Encrypted At Rest", message)

    def default_key() -> None:
        bucket.default_kms_key_name = key_id
        bucket.patch(**CALL)

    message = f"Default encryption with Cloud KMS key {key_id} was enabled on the GCS bucket"
    return _attempt("StorageEncrypted", default_key, "Encryption Successful", message)


def _clean_up_uploads(bucket: Any) -> None:
    rule = {"action": {"type": "Delete"}, "condition": {"age": 1, "matchesPrefix": [UPLOADS]}}
    if rule not in list(bucket.lifecycle_rules):
        bucket.lifecycle_rules = [*bucket.lifecycle_rules, rule]
        bucket.patch(**CALL)


def _attempt(kind: str, call: Callable[[], object], reason: str, message: str) -> Condition:
    try:
        call()
    except FAILURES as exc:
        return Condition(kind, False, type(exc).__name__ or UNKNOWN, str(exc))
    return Condition(kind, True, reason, message)
