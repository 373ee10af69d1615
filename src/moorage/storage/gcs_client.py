"""Where a GCS bucket is and how to call it: google-cloud-storage's blocking client on a pool
of threads, as the s3 driver calls boto3 (ADR 0010, and ADR 0013 for GCS).

Every call is retried on transient failures (429, 5xx, dropped connections) with
exponential backoff: writes too, since each writes the same bytes to the same name when
repeated. What still fails is turned into what the registry's callers understand: a missing
object is FileNotFoundError, anything else StorageUnavailable saying what to check.
"""

import asyncio
import hashlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import requests
from google.api_core.exceptions import (
    Forbidden,
    GoogleAPIError,
    NotFound,
    PreconditionFailed,
    Unauthorized,
)
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from google.cloud import storage
from google.cloud.storage.retry import DEFAULT_RETRY
from google.oauth2 import service_account
from requests.exceptions import RequestException

from moorage.observability.logs import without_credentials
from moorage.storage.base import Changed, StorageUnavailable

T = TypeVar("T")
THREADS = 16
RETRY: Retry = DEFAULT_RETRY.with_delay(initial=0.2, multiplier=2, maximum=5).with_timeout(15)
SECRET = "Secret openshift-image-registry/image-registry-private-configuration-user"
FAILURES = (GoogleAPIError, GoogleAuthError, RequestException)


@dataclass(frozen=True)
class GcsLocation:
    """spec.storage.gcs with its credentials: everything a replica needs to reach the bucket."""

    bucket: str
    region: str = ""
    project_id: str = ""
    key_id: str = ""  # a Cloud KMS key every object written is encrypted with
    keyfile: str = ""  # REGISTRY_STORAGE_GCS_KEYFILE, a service account's JSON key; never shown
    emulator_host: str = ""  # STORAGE_EMULATOR_HOST of `moorage serve`: anonymous, no signing
    chunk_size: int = 10 << 20  # an upload's bytes are written in parts of this size
    proxy: str = ""  # the Config's proxy for the endpoint (noProxy applied); empty: direct

    def __repr__(self) -> str:
        key = hashlib.sha256(self.keyfile.encode()).hexdigest()
        shown = {k: v for k, v in vars(self).items() if k != "keyfile"}
        shown["proxy"] = without_credentials(self.proxy)
        return f"GcsLocation({shown}, keyfile sha256 {key})"

    def describe(self) -> str:
        return f"bucket {self.bucket!r} at {self.emulator_host or 'Google Cloud Storage'}"


def make_client(location: GcsLocation) -> storage.Client:
    """A client of the location's project (made locally: no call)."""
    if location.emulator_host:
        client = storage.Client(
            project=location.project_id or "emulator",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": location.emulator_host},
            _http=_session(location, requests.Session()),
        )
    else:
        credentials = service_account.Credentials.from_service_account_info(
            json.loads(location.keyfile), scopes=storage.Client.SCOPE
        )
        client = storage.Client(
            project=location.project_id or None,
            credentials=credentials,
            _http=_session(location, AuthorizedSession(credentials)),
        )
    # From google-cloud-storage 3.x a client fetches each bucket's metadata on a thread of its
    # own, only to label trace spans: a request the registry never asked for, retried and
    # needing storage.buckets.get. None turns it off (every use is guarded by a truth test).
    client._bucket_metadata_cache = None
    return client


def _session(location: GcsLocation, session: requests.Session) -> requests.Session:
    """The client's HTTP session, through the Config's proxy when it names one."""
    if location.proxy:
        session.proxies = {"http": location.proxy, "https": location.proxy}
    return session


def explain(location: GcsLocation, exc: BaseException) -> str:
    """What went wrong reaching `location`, and what to check."""
    where = location.describe()
    if isinstance(exc, NotFound):
        return f"the GCS {where} does not exist: create it or set spec.storage.gcs.bucket"
    if isinstance(exc, Unauthorized | Forbidden | GoogleAuthError):
        return (
            f"the GCS {where} refused the registry's credentials ({exc}): check "
            f"REGISTRY_STORAGE_GCS_KEYFILE in {SECRET}"
        )
    return f"the GCS {where} cannot be used now: {exc}"


class GcsCalls:
    """The bucket's client, each call run on the store's threads with its errors translated."""

    def __init__(self, location: GcsLocation) -> None:
        self.location = location
        self.client = make_client(location)
        self.bucket = self.client.bucket(location.bucket)
        self.signs = not location.emulator_host  # with the keyfile's service account
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="gcs")

    def blob(self, name: str) -> storage.Blob:
        return self.bucket.blob(name, kms_key_name=self.location.key_id or None)

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, partial(function, *args, **kwargs))
        except NotFound as exc:
            raise FileNotFoundError(str(exc)) from exc
        except PreconditionFailed as exc:
            raise Changed(str(exc)) from exc
        except FAILURES as exc:
            raise StorageUnavailable(explain(self.location, exc)) from exc

    async def write(self, name: str, data: bytes) -> None:
        """Object `name` holds `data`; a missing object here can only be the bucket."""
        try:
            await self.run(self.blob(name).upload_from_string, data, retry=RETRY)
        except FileNotFoundError as exc:
            raise StorageUnavailable(explain(self.location, exc.__cause__ or exc)) from exc

    async def read(self, name: str, start: int | None = None, end: int | None = None) -> bytes:
        """Object `name`'s bytes, or those from `start` to `end` (inclusive)."""
        read = self.blob(name).download_as_bytes
        data: bytes = await self.run(read, start=start, end=end, retry=RETRY)
        return data

    async def listing(self, prefix: str) -> list[storage.Blob]:
        return await self.run(lambda: list(self.bucket.list_blobs(prefix=prefix, retry=RETRY)))

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.client.close()
