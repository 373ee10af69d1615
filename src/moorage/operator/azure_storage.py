"""spec.storage.azure as the replicas will use it: the container, its account key, and
whether the container can be used.

The account key is REGISTRY_STORAGE_AZURE_ACCOUNTKEY of Secret
openshift-image-registry/image-registry-private-configuration-user; the same Secret may name
the blob service's URL (REGISTRY_STORAGE_AZURE_SERVICEURL, as distribution's azure driver
calls it) for an emulator or a private cloud, else cloudName's endpoint is used. With
storage.managementState Managed a missing container is created and every container secured
(azure_managed); with Removed, a container the operator created is deleted.
"""

import base64
import binascii
import dataclasses
import logging
from typing import Any

from azure.core.exceptions import AzureError

from moorage.observability import logs
from moorage.operator import azure_managed
from moorage.operator.cloud_checks import PROBE_TIMEOUT, CheckedStorage
from moorage.operator.status import Condition
from moorage.resources.objects import Object
from moorage.storage.azure_client import SECRET, AzureLocation, explain, make_client
from moorage.upstream.reach import NO_PROXY, Proxy

ACCOUNT_KEY = "REGISTRY_STORAGE_AZURE_ACCOUNTKEY"
SERVICE_URL = "REGISTRY_STORAGE_AZURE_SERVICEURL"


def location(
    azure: Object, credentials: dict[str, str], proxy: Proxy = NO_PROXY
) -> tuple[AzureLocation, str | None]:
    """The container spec.storage.azure names with the Secret's key (`credentials`: its data,
    decoded), reached through the Config's `proxy`, and what is missing to use it, if
    anything."""
    found = AzureLocation(
        account_name=azure.get("accountName") or "",
        container=azure.get("container") or "",
        account_key=credentials.get(ACCOUNT_KEY, ""),
        cloud_name=azure.get("cloudName") or "AzurePublicCloud",
        service_url=credentials.get(SERVICE_URL, ""),
    )
    found = dataclasses.replace(found, proxy=proxy.for_url(found.endpoint))
    return found, _problem(found)


def _problem(found: AzureLocation) -> str | None:
    if not found.account_name:
        return "set accountName: this registry does not create storage accounts"
    if not found.container:
        return "set container, or storage.managementState Managed to have one made"
    if not found.account_key:
        return (
            f"no account key for the Azure {found.describe()}: create {SECRET} with "
            f"{ACCOUNT_KEY} (and {SERVICE_URL} for an emulator or a private cloud)"
        )
    try:
        base64.b64decode(found.account_key, validate=True)
    except binascii.Error:
        return f"{ACCOUNT_KEY} in {SECRET} is not an account key (it is not base64)"
    return None


class AzureCloud:
    """What the operator does to Azure containers (cloud_checks.Cloud)."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log

    def probe(self, found: AzureLocation, managed: bool) -> CheckedStorage:
        container = make_client(found, attempts=1, timeout=PROBE_TIMEOUT)
        try:
            created, problem, code = self._exists(container, found, managed)
            if problem is not None:
                missing = Condition("StorageExists", False, code or azure_managed.UNKNOWN, problem)
                return CheckedStorage(found, problem, (missing,))
            secured = azure_managed.secure(container) if managed else []
            return CheckedStorage(found, None, (azure_managed.exists(created), *secured))
        finally:
            container.close()

    def remove(self, found: AzureLocation) -> Condition:
        container = make_client(found, attempts=1, timeout=PROBE_TIMEOUT)
        try:
            removed = azure_managed.remove(container)
        finally:
            container.close()
        if removed.reason == azure_managed.DELETED:
            logs.event(self._log, f"removed the Azure {found.describe()} the operator created")
        return removed

    def _exists(
        self, container: Any, found: AzureLocation, managed: bool
    ) -> tuple[bool, str | None, str]:
        """Whether the container was created now, and if it cannot be used, what to fix and
        Azure's error code."""
        try:
            container.get_container_properties()
        except AzureError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            if code != "ContainerNotFound" or not managed:
                return False, explain(found, exc), code
            return self._create(container, found)
        return False, None, ""

    def _create(self, container: Any, found: AzureLocation) -> tuple[bool, str | None, str]:
        try:
            azure_managed.create(container)
        except AzureError as exc:
            code = str(getattr(exc, "error_code", "") or "")
            return False, f"could not create it: {explain(found, exc)}", code
        logs.event(self._log, f"created the Azure {found.describe()}")
        return True, None, ""
