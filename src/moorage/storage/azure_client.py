"""Where an Azure Blob container is and how to call it: azure-storage-blob's blocking client on
a pool of threads, as the s3 driver calls boto3 (ADR 0010, and ADR 0013 for Azure).

azure-core retries transient failures (throttling, 5xx, dropped connections) with
exponential backoff before an error reaches us; what still fails is turned into what the
registry's callers understand: a missing blob is FileNotFoundError, a conditional request
that lost is Changed, anything else StorageUnavailable saying what to check.
"""

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobServiceClient, ContainerClient, ExponentialRetry

from moorage.observability.logs import without_credentials
from moorage.storage.base import Changed, StorageUnavailable

T = TypeVar("T")
THREADS = 16
ATTEMPTS = 4
READ_CHUNK = 4 << 20  # what one ranged GET of a stream fetches
# cloudName: the blob endpoint's domain in each Azure cloud, as distribution's azure driver has
ENDPOINT_SUFFIXES = {
    "AzurePublicCloud": "core.windows.net",
    "AzureUSGovernmentCloud": "core.usgovcloudapi.net",
    "AzureChinaCloud": "core.chinacloudapi.cn",
    "AzureGermanCloud": "core.cloudapi.de",
}
SECRET = "Secret openshift-image-registry/image-registry-private-configuration-user"
REFUSED = frozenset({"AuthenticationFailed", "AuthorizationFailure", "InvalidAuthenticationInfo"})


@dataclass(frozen=True)
class AzureLocation:
    """spec.storage.azure with its credentials: everything a replica needs to reach the
    container."""

    account_name: str
    container: str
    account_key: str = ""  # never in the repr (logs), only a digest that changes with it
    cloud_name: str = "AzurePublicCloud"
    service_url: str = ""  # REGISTRY_STORAGE_AZURE_SERVICEURL; empty: the cloud's endpoint
    block_size: int = 10 << 20  # an upload's bytes are staged in blocks of this size
    proxy: str = ""  # the Config's proxy for the endpoint (noProxy applied); empty: direct

    def __repr__(self) -> str:
        key = hashlib.sha256(self.account_key.encode()).hexdigest()
        shown = {k: v for k, v in vars(self).items() if k != "account_key"}
        shown["proxy"] = without_credentials(self.proxy)
        return f"AzureLocation({shown}, account key sha256 {key})"

    @property
    def endpoint(self) -> str:
        if self.service_url:
            return self.service_url.rstrip("/")
        suffix = ENDPOINT_SUFFIXES.get(self.cloud_name, ENDPOINT_SUFFIXES["AzurePublicCloud"])
        return f"https://{self.account_name}.blob.{suffix}"

    def describe(self) -> str:
        return f"container {self.container!r} of account {self.account_name!r} at {self.endpoint}"


def make_client(location: AzureLocation, attempts: int = ATTEMPTS, timeout: float = 60) -> Any:
    """A client of the location's container (made locally: no call)."""
    service = BlobServiceClient(
        location.endpoint,
        credential={"account_name": location.account_name, "account_key": location.account_key},
        retry_policy=ExponentialRetry(
            initial_backoff=1, increment_base=2, retry_total=attempts - 1, random_jitter_range=1
        ),
        connection_timeout=min(5, timeout),
        read_timeout=timeout,
        max_single_get_size=READ_CHUNK,
        max_chunk_get_size=READ_CHUNK,
        proxies={"http": location.proxy, "https": location.proxy} if location.proxy else None,
    )
    return service.get_container_client(location.container)


def explain(location: AzureLocation, exc: BaseException) -> str:
    """What went wrong reaching `location`, and what to check."""
    where = location.describe()
    code = str(getattr(exc, "error_code", "") or "")
    if code == "ContainerNotFound":
        return f"the Azure {where} does not exist: create it or set spec.storage.azure.container"
    if code in REFUSED or getattr(exc, "status_code", None) in (401, 403):
        return (
            f"the Azure {where} refused the registry's credentials ({code or exc}): check "
            f"REGISTRY_STORAGE_AZURE_ACCOUNTKEY in {SECRET}"
        )
    return f"the Azure {where} cannot be used now: {exc}"


def translate(location: AzureLocation, exc: AzureError) -> Exception:
    code = str(getattr(exc, "error_code", "") or "")
    if isinstance(exc, ResourceNotFoundError) and code != "ContainerNotFound":
        return FileNotFoundError(str(exc))
    if isinstance(exc, ResourceModifiedError):
        return Changed(str(exc))
    if isinstance(exc, HttpResponseError) and exc.status_code == 412:
        return Changed(str(exc))
    return StorageUnavailable(explain(location, exc))


class AzureCalls:
    """The container's client, each call run on the store's threads with its errors
    translated."""

    def __init__(self, location: AzureLocation) -> None:
        self.location = location
        self.container: ContainerClient = make_client(location)
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="azure")

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, partial(function, *args, **kwargs))
        except AzureError as exc:
            raise translate(self.location, exc) from exc

    async def call(self, blob: str, operation: str, **arguments: Any) -> Any:
        """`operation` of the client of blob `blob` in the container."""
        method = getattr(self.container.get_blob_client(blob), operation)
        return await self.run(method, **arguments)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.container.close()
