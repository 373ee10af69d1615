"""spec.storage.s3 as the replicas will use it: the bucket, its credentials, and whether the
bucket can be used.

The credentials are the keys REGISTRY_STORAGE_S3_ACCESSKEY and REGISTRY_STORAGE_S3_SECRETKEY
of Secret openshift-image-registry/image-registry-private-configuration-user; without that
Secret, boto3's own chain (the environment of `moorage serve`, ~/.aws) applies. The bucket
is checked as cloud_checks says: once for each location, again while it fails. With
storage.managementState Managed a missing bucket is created and every bucket secured
(s3_managed); with Removed, a bucket the operator created is deleted.
"""

import hashlib
import logging
import secrets
from pathlib import Path
from typing import Any

import botocore.exceptions

from moorage.observability import logs
from moorage.operator import s3_managed
from moorage.operator.cloud_checks import CREDENTIALS, PROBE_TIMEOUT, CheckedStorage, secret_data
from moorage.operator.status import Condition
from moorage.resources.objects import Object
from moorage.storage.cloudfront import CloudFront
from moorage.storage.s3_client import S3Location, error_code, explain, make_client
from moorage.store.resources import Ref
from moorage.upstream.reach import NO_PROXY, Proxy

CONFIG_NAMESPACE = "openshift-config"
CA_BUNDLE = "ca-bundle.crt"
ACCESS_KEY, SECRET_KEY = "REGISTRY_STORAGE_S3_ACCESSKEY", "REGISTRY_STORAGE_S3_SECRETKEY"
DEFAULT_REGION = "us-east-1"
DEFAULT_CHUNK_MIB = 10


def with_defaults(storage: Object) -> Object | None:
    """spec.storage as the operator completes it, or None when it needs nothing: a Managed
    (or unset, without a bucket) s3 storage gets a generated bucket name; one naming its
    bucket with no managementState is Unmanaged, as the specification says."""
    s3 = storage["s3"]
    state = storage.get("managementState")
    if s3.get("bucket"):
        return None if state else {**storage, "managementState": "Unmanaged"}
    if state == "Unmanaged":
        return None
    region = s3.get("region") or DEFAULT_REGION
    bucket = f"moorage-image-registry-{region}-{secrets.token_hex(8)}"
    return {**storage, "s3": {**s3, "bucket": bucket}, "managementState": "Managed"}


def location(
    s3: Object,
    secret: Object | None,
    trusted_ca: Path | None = None,
    proxy: Proxy = NO_PROXY,
    cloud_front: CloudFront | None = None,
) -> tuple[S3Location, str | None]:
    """The bucket spec.storage.s3 names with the Secret's credentials (and the CA bundle its
    trustedCA names, in a file) reached through the Config's `proxy`, its blobs served from
    `cloud_front` if given, and what is wrong with that Secret, if anything."""
    keys, problem = _credentials(secret)
    region = s3.get("region") or DEFAULT_REGION
    endpoint = s3.get("regionEndpoint") or ""
    return S3Location(
        bucket=s3.get("bucket") or "",
        region=region,
        endpoint=endpoint,
        virtual_hosted_style=bool(s3.get("virtualHostedStyle")),
        access_key=keys.get(ACCESS_KEY, ""),
        secret_key=keys.get(SECRET_KEY, ""),
        root_directory=s3.get("rootDirectory") or "",
        chunk_size=(s3.get("chunkSizeMiB") or DEFAULT_CHUNK_MIB) << 20,
        trusted_ca=str(trusted_ca or ""),
        encrypt=bool(s3.get("encrypt")),
        key_id=s3.get("keyID") or "",
        proxy=proxy.for_url(endpoint or f"https://s3.{region}.amazonaws.com"),
        cloud_front=cloud_front,
    ), problem


def trusted_ca_ref(s3: Object) -> Ref | None:
    """The ConfigMap spec.storage.s3.trustedCA names, in openshift-config."""
    name = (s3.get("trustedCA") or {}).get("name")
    return Ref("", "configmaps", CONFIG_NAMESPACE, name) if name else None


def trusted_ca_file(
    ref: Ref, config_map: Object | None, directory: Path
) -> tuple[Path | None, str | None]:
    """The ConfigMap's ca-bundle.crt as a file under `directory` (named by its digest, so a
    new bundle is a new location and rolls out), or what is wrong with the ConfigMap."""
    fix = f"moorage create configmap {ref.name} --from-file={CA_BUNDLE}=FILE -n {CONFIG_NAMESPACE}"
    if config_map is None:
        return None, f'trustedCA: configmap "{ref.name}" not found; create it: {fix}'
    bundle = (config_map.get("data") or {}).get(CA_BUNDLE)
    if not bundle:
        return None, f'trustedCA: configmap "{ref.name}" has no {CA_BUNDLE}: {fix}'
    data = bundle.encode()
    path = directory / f"s3-trusted-ca-{hashlib.sha256(data).hexdigest()[:16]}.crt"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        partial.write_bytes(data)
        partial.replace(path)
    return path, None


def _credentials(secret: Object | None) -> tuple[dict[str, str], str | None]:
    data, problem = secret_data(secret)
    if problem is None and (ACCESS_KEY in data) != (SECRET_KEY in data):
        return data, f"secret {CREDENTIALS.name} must hold both {ACCESS_KEY} and {SECRET_KEY}"
    return data, problem


class S3Cloud:
    """What the operator does to S3 buckets (cloud_checks.Cloud)."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log

    def remove(self, location: S3Location) -> Condition:
        client = make_client(location, attempts=1, timeout=PROBE_TIMEOUT)
        try:
            removed = s3_managed.remove(client, location)
        finally:
            client.close()
        if removed.reason == "S3 Bucket Deleted":
            logs.event(self._log, f"removed the S3 {location.describe()} the operator created")
        return removed

    def probe(self, location: S3Location, managed: bool) -> CheckedStorage:
        client = make_client(location, attempts=1, timeout=PROBE_TIMEOUT)
        try:
            created, code, problem = self._exists(client, location, managed)
            if problem is not None:
                missing = Condition("StorageExists", False, code or s3_managed.UNKNOWN, problem)
                return CheckedStorage(location, problem, (missing,))
            secured = s3_managed.secure(client, location, created) if managed else []
            return CheckedStorage(location, None, (s3_managed.exists(created), *secured))
        finally:
            client.close()

    def _exists(
        self, client: Any, location: S3Location, managed: bool
    ) -> tuple[bool, str, str | None]:
        """Whether the bucket was created now, and if it cannot be used, S3's error code and
        what to fix."""
        try:
            client.head_bucket(Bucket=location.bucket)
        except botocore.exceptions.ClientError as exc:
            code = error_code(exc)
            if code not in ("404", "NoSuchBucket") or not managed:
                return False, code, explain(location, code, exc)
            return self._create(client, location)
        except botocore.exceptions.BotoCoreError as exc:
            return False, "", explain(location, "", exc)
        return False, "", None

    def _create(self, client: Any, location: S3Location) -> tuple[bool, str, str | None]:
        arguments: Object = {"Bucket": location.bucket}
        if location.region != DEFAULT_REGION:
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": location.region}
        try:
            client.create_bucket(**arguments)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            code = error_code(exc) if isinstance(exc, botocore.exceptions.ClientError) else ""
            return False, code, f"could not create it: {explain(location, code, exc)}"
        logs.event(self._log, f"created the S3 {location.describe()}")
        return True, "", None
