"""spec.storage.gcs as the replicas will use it: the bucket, its service account's key, and
whether the bucket can be used.

The key is REGISTRY_STORAGE_GCS_KEYFILE of Secret
openshift-image-registry/image-registry-private-configuration-user, a service account's
JSON key. STORAGE_EMULATOR_HOST in the environment of `moorage serve` points every GCS call
at an emulator instead, anonymously, as Google's own client libraries do. With
storage.managementState Managed a missing bucket is created and every bucket secured
(gcs_managed); with Removed, a bucket the operator created is deleted.
"""

import logging
import os
from typing import Any

from google.api_core.exceptions import NotFound
from google.auth.exceptions import GoogleAuthError

from moorage.observability import logs
from moorage.operator import gcs_managed
from moorage.operator.cloud_checks import PROBE_TIMEOUT, CheckedStorage
from moorage.operator.status import Condition
from moorage.resources.objects import Object
from moorage.storage.gcs_client import FAILURES, SECRET, GcsLocation, explain, make_client
from moorage.upstream.reach import NO_PROXY, Proxy

KEYFILE = "REGISTRY_STORAGE_GCS_KEYFILE"
EMULATOR = "STORAGE_EMULATOR_HOST"
GOOGLE_STORAGE = "https://storage.googleapis.com"


def location(
    gcs: Object, credentials: dict[str, str], proxy: Proxy = NO_PROXY
) -> tuple[GcsLocation, str | None]:
    """The bucket spec.storage.gcs names with the Secret's key (`credentials`: its data,
    decoded), reached through the Config's `proxy`, and what is missing to use it, if
    anything."""
    emulator = os.environ.get(EMULATOR, "")
    if emulator and "://" not in emulator:
        emulator = "http://" + emulator  # the variable's usual form is HOST:PORT
    found = GcsLocation(
        bucket=gcs.get("bucket") or "",
        region=gcs.get("region") or "",
        project_id=gcs.get("projectID") or "",
        key_id=gcs.get("keyID") or "",
        keyfile=credentials.get(KEYFILE, ""),
        emulator_host=emulator,
        proxy=proxy.for_url(emulator or GOOGLE_STORAGE),
    )
    return found, _problem(found)


def _problem(found: GcsLocation) -> str | None:
    if not found.bucket:
        return "set bucket, or storage.managementState Managed to have one made"
    if found.emulator_host:
        return None
    if not found.keyfile:
        return (
            f"no credentials for the GCS {found.describe()}: create {SECRET} with {KEYFILE}, "
            "a service account's JSON key"
        )
    try:
        make_client(found).close()
    except (ValueError, KeyError, GoogleAuthError) as exc:
        return f"{KEYFILE} in {SECRET} is not a service account's JSON key: {exc}"
    return None


class GcsCloud:
    """What the operator does to GCS buckets (cloud_checks.Cloud)."""

    def __init__(self, log: logging.Logger) -> None:
        self._log = log

    def probe(self, found: GcsLocation, managed: bool) -> CheckedStorage:
        client = make_client(found)
        try:
            bucket, created, problem, code = self._exists(client, found, managed)
            if problem is not None:
                missing = Condition("StorageExists", False, code, problem)
                return CheckedStorage(found, problem, (missing,))
            secured = gcs_managed.secure(bucket, found, created) if managed else []
            return CheckedStorage(found, None, (gcs_managed.exists(created), *secured))
        finally:
            client.close()

    def remove(self, found: GcsLocation) -> Condition:
        client = make_client(found)
        try:
            removed = gcs_managed.remove(client, found)
        finally:
            client.close()
        if removed.reason == gcs_managed.DELETED:
            logs.event(self._log, f"removed the GCS {found.describe()} the operator created")
        return removed

    def _exists(
        self, client: Any, found: GcsLocation, managed: bool
    ) -> tuple[Any, bool, str | None, str]:
        """The bucket, whether it was created now, and if it cannot be used, what to fix and
        the error's name."""
        try:
            bucket = client.get_bucket(found.bucket, timeout=PROBE_TIMEOUT, retry=None)
        except NotFound as exc:
            if managed:
                return self._create(client, found)
            return None, False, explain(found, exc), type(exc).__name__
        except FAILURES as exc:
            return None, False, explain(found, exc), type(exc).__name__
        return bucket, False, None, ""

    def _create(self, client: Any, found: GcsLocation) -> tuple[Any, bool, str | None, str]:
        try:
            bucket = gcs_managed.create(client, found)
        except FAILURES as exc:
            return None, False, f"could not create it: {explain(found, exc)}", type(exc).__name__
        logs.event(self._log, f"created the GCS {found.describe()}")
        return bucket, True, None, ""
