"""Managed Azure storage: what the operator does to a container it manages, and how it
reports it, in the conditions OpenShift reports for S3.

A missing container is created, marked with the metadata `moorage_provisioned` (metadata
names must be identifiers) so that Removed deletes it and no other; public access to the
container is turned off. Azure Storage encrypts every blob at rest and there is nothing to
turn on; uploads left incomplete are removed by the registry's own hourly sweep (a
lifecycle policy belongs to the storage account's management API, which an account key
cannot reach). Each step is its condition; a failed one is False with Azure's error code,
and the registry runs on.
"""

from collections.abc import Callable
from typing import Any

from azure.core.exceptions import AzureError, ResourceNotFoundError

from moorage.operator.status import Condition

PROVISIONED = "moorage_provisioned"
UNKNOWN = "Unknown Error Occurred"
DELETED, KEPT = "Azure Container Deleted", "Azure Container Kept"


def exists(created: bool) -> Condition:
    if created:
        message = "Azure container was successfully created"
        return Condition("StorageExists", True, "Creation Successful", message)
    message = "User supplied Azure container exists and is accessible"
    return Condition("StorageExists", True, "Azure Container Exists", message)


def create(container: Any) -> None:
    container.create_container(metadata={PROVISIONED: "true"})


def secure(container: Any) -> list[Condition]:
    return [
        _attempt(
            "StoragePublicAccessBlocked",
            lambda: _block_public_access(container),
            "Public Access Block Successful",
            "Public access to the Azure container and its blobs has been blocked.",
        ),
        Condition(
            "StorageEncrypted",
            True,
            "Encrypted At Rest",
            "Azure Storage encrypts every blob at rest: there is nothing to turn on",
        ),
        Condition(
            "StorageIncompleteUploadCleanupEnabled",
            True,
            "Registry Sweeps Uploads",
            "Uploads left incomplete are removed by the registry's hourly sweep, and Azure "
            "discards blocks never committed after seven days",
        ),
    ]


def remove(container: Any) -> Condition:
    """Removed: the container goes, with every blob in it, if the operator created it."""
    try:
        if container.get_container_properties().metadata.get(PROVISIONED) != "true":
            message = "The Azure container was not created by the operator: it is kept."
            return Condition("StorageExists", True, KEPT, message)
        container.delete_container()
    except ResourceNotFoundError:
        return Condition("StorageExists", False, DELETED, "The Azure container did not exist.")
    except AzureError as exc:
        return Condition("StorageExists", True, _code(exc), str(exc))
    message = "The Azure container has been removed."
    return Condition("StorageExists", False, DELETED, message)


def _block_public_access(container: Any) -> None:
    if container.get_container_properties().public_access is None:
        return
    policy = container.get_container_access_policy()  # its stored access policies stay
    identifiers = {i.id: i.access_policy for i in policy["signed_identifiers"]}
    container.set_container_access_policy(signed_identifiers=identifiers, public_access=None)


def _attempt(kind: str, call: Callable[[], object], reason: str, message: str) -> Condition:
    try:
        call()
    except AzureError as exc:
        return Condition(kind, False, _code(exc), str(exc))
    return Condition(kind, True, reason, message)


def _code(exc: AzureError) -> str:
    return str(getattr(exc, "error_code", "") or "") or UNKNOWN
