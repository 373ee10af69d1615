"""Where an S3 bucket is and how to call it: boto3's blocking client on a pool of threads.

boto3 is loop-agnostic (ADR 0010): a call runs on one of the store's threads and is
awaited from whichever event loop asks. botocore retries transient failures (throttling,
5xx, dropped connections) with exponential backoff and jitter before an error reaches us;
what still fails is turned into what the registry's callers understand: a missing object
is FileNotFoundError, anything else StorageUnavailable saying what to check.
"""

import asyncio
import hashlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import boto3
import botocore.config
import botocore.exceptions

from moorage.observability.logs import without_credentials
from moorage.storage.base import StorageUnavailable
from moorage.storage.cloudfront import CloudFront

T = TypeVar("T")
THREADS = 16
ATTEMPTS = 5
CREATING = frozenset({"put_object", "create_multipart_upload"})
MISSING = frozenset({"NoSuchKey", "404", "NotFound", "NoSuchUpload"})


class PreconditionFailed(Exception):
    """A conditional write lost: the object it must not overwrite exists."""


@dataclass(frozen=True)
class S3Location:
    """spec.storage.s3 with its credentials: everything a replica needs to reach the bucket."""

    bucket: str
    region: str = "us-east-1"
    endpoint: str = ""  # regionEndpoint; empty: AWS's endpoint for the region
    virtual_hosted_style: bool = False
    access_key: str = ""  # never in the repr (logs), only a digest that changes with them
    secret_key: str = ""
    root_directory: str = ""
    chunk_size: int = 10 << 20  # multipart part size, bytes
    trusted_ca: str = ""  # a CA bundle file to verify the endpoint with; empty: the system's
    encrypt: bool = False  # server-side encryption of every object written: SSE-S3, or
    key_id: str = ""  # with encrypt, SSE-KMS with this KMS key
    proxy: str = ""  # the Config's proxy for the endpoint (noProxy applied); empty: direct
    cloud_front: CloudFront | None = None  # blob GETs go to its signed URLs, not S3's

    def __repr__(self) -> str:
        credentials = hashlib.sha256(f"{self.access_key}\0{self.secret_key}".encode())
        shown = {k: v for k, v in vars(self).items() if k not in ("access_key", "secret_key")}
        shown["proxy"] = without_credentials(self.proxy)
        return f"S3Location({shown}, credentials sha256 {credentials.hexdigest()})"

    def describe(self) -> str:
        return f"bucket {self.bucket!r} at {self.endpoint or 'AWS ' + self.region}"


def make_client(location: S3Location, attempts: int = ATTEMPTS, timeout: float = 60) -> Any:
    style = "virtual" if location.virtual_hosted_style else "path" if location.endpoint else "auto"
    config = botocore.config.Config(
        s3={"addressing_style": style},
        signature_version="s3v4",  # signed URLs too: every region takes v4, newer ones only v4
        retries={"mode": "standard", "max_attempts": attempts},
        connect_timeout=min(5, timeout),
        read_timeout=timeout,
        max_pool_connections=THREADS,
        proxies={"http": location.proxy, "https": location.proxy} if location.proxy else None,
    )
    return boto3.session.Session().client(
        "s3",
        region_name=location.region,
        endpoint_url=location.endpoint or None,
        aws_access_key_id=location.access_key or None,
        aws_secret_access_key=location.secret_key or None,
        verify=location.trusted_ca or True,
        config=config,
    )


def explain(location: S3Location, code: str, exc: BaseException) -> str:
    """What went wrong reaching `location`, and what to check (`code`: S3's error code)."""
    where = location.describe()
    if code in ("NoSuchBucket", "404"):
        return f"the S3 {where} does not exist: create it or set spec.storage.s3.bucket"
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return (
            f"no credentials for the S3 {where}: create Secret "
            "openshift-image-registry/image-registry-private-configuration-user with "
            "REGISTRY_STORAGE_S3_ACCESSKEY and REGISTRY_STORAGE_S3_SECRETKEY"
        )
    if code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403"):
        return (
            f"the S3 {where} refused the registry's credentials ({code or exc}): check "
            "REGISTRY_STORAGE_S3_ACCESSKEY and REGISTRY_STORAGE_S3_SECRETKEY in Secret "
            "openshift-image-registry/image-registry-private-configuration-user"
        )
    return f"the S3 {where} cannot be used now: {exc}"


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def missing(exc: BaseException) -> bool:
    return isinstance(exc, botocore.exceptions.ClientError) and error_code(exc) in MISSING


class S3Calls:
    """The bucket's client, each call run on the store's threads with its errors translated."""

    def __init__(self, location: S3Location) -> None:
        self.location = location
        self.client = make_client(location)
        self._pool = ThreadPoolExecutor(THREADS, thread_name_prefix="s3")

    async def run(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, partial(function, *args, **kwargs))
        except botocore.exceptions.ClientError as exc:
            if missing(exc):
                raise FileNotFoundError(str(exc)) from exc
            if error_code(exc) == "PreconditionFailed":
                raise PreconditionFailed(str(exc)) from exc
            raise StorageUnavailable(self._explain(error_code(exc), exc)) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise StorageUnavailable(self._explain("", exc)) from exc

    async def call(self, operation: str, **arguments: Any) -> Any:
        """The client's `operation` on this bucket; what it creates is encrypted as asked."""
        if operation in CREATING:
            arguments.update(self.encryption)
        method = getattr(self.client, operation)
        return await self.run(method, Bucket=self.location.bucket, **arguments)

    @property
    def encryption(self) -> dict[str, str]:
        """The arguments of a call that creates an object, for spec.storage.s3.encrypt."""
        if not self.location.encrypt:
            return {}  # keyID alone is ignored, as in OpenShift
        if self.location.key_id:
            return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.location.key_id}
        return {"ServerSideEncryption": "AES256"}

    async def listing(self, prefix: str) -> list[dict[str, Any]]:
        """Every object under `prefix` (Key, Size, LastModified, ...), all pages."""

        def every_page() -> list[dict[str, Any]]:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.location.bucket, Prefix=prefix
            )
            return [item for page in pages for item in page.get("Contents", [])]

        return await self.run(every_page)

    def _explain(self, code: str, exc: BaseException) -> str:
        return explain(self.location, code, exc)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.client.close()
