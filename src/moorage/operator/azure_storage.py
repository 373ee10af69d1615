"""spec.storage.azure as the replicas will use it: the container, its account key, and
whether the container can be used.

The account key is REGISTRY_STORAGE_AZURE_ACCOUNTKEY of Secret
openshift-image-registry/image-registry-private-configuration-user; the same Secret may name
the blob service's URL (REGISTRY_STORAGE_AZURE_SERVICEURL, as distribution's azure driver
calls it) for an emulator or a private cloud, else cloudName's endpoint is used. The
container must exist: provisioning it (Managed storage) is not done yet.
"""

import base64
import binascii

from azure.core.exceptions import AzureError

from moorage.operator.cloud_checks import PROBE_TIMEOUT, CheckedStorage, storage_exists
from moorage.resources.objects import Object
from moorage.storage.azure_client import SECRET, AzureLocation, explain, make_client

ACCOUNT_KEY = "REGISTRY_STORAGE_AZURE_ACCOUNTKEY"
SERVICE_URL = "REGISTRY_STORAGE_AZURE_SERVICEURL"
KIND = "Azure container"


def location(azure: Object, credentials: dict[str, str]) -> tuple[AzureLocation, str | None]:
    """The container spec.storage.azure names with the Secret's key (`credentials`: its data,
    decoded), and what is missing to use it, if anything."""
    found = AzureLocation(
        account_name=azure.get("accountName") or "",
        container=azure.get("container") or "",
        account_key=credentials.get(ACCOUNT_KEY, ""),
        cloud_name=azure.get("cloudName") or "AzurePublicCloud",
        service_url=credentials.get(SERVICE_URL, ""),
    )
    return found, _problem(found)


def _problem(found: AzureLocation) -> str | None:
    if not found.account_name or not found.container:
        return "set accountName and container: this registry does not create storage accounts"
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


def probe(found: AzureLocation) -> CheckedStorage:
    """Whether the container exists and takes the key: one call, no retries."""
    container = make_client(found, attempts=1, timeout=PROBE_TIMEOUT)
    try:
        container.get_container_properties()
    except AzureError as exc:
        problem = explain(found, exc)
        reason = str(getattr(exc, "error_code", "") or "")
        return CheckedStorage(found, problem, (storage_exists(KIND, problem, reason),))
    finally:
        container.close()
    return CheckedStorage(found, None, (storage_exists(KIND, None),))
