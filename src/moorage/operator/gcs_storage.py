"""spec.storage.gcs as the replicas will use it: the bucket, its service account's key, and
whether the bucket can be used.

The key is REGISTRY_STORAGE_GCS_KEYFILE of Secret
openshift-image-registry/image-registry-private-configuration-user, a service account's
JSON key. STORAGE_EMULATOR_HOST in the environment of `moorage serve` points every GCS call
at an emulator instead, anonymously, as Google's own client libraries do. The bucket must
exist: provisioning it (Managed storage) is not done yet.
"""

import os

from google.auth.exceptions import GoogleAuthError

from moorage.operator.cloud_checks import PROBE_TIMEOUT, CheckedStorage, storage_exists
from moorage.resources.objects import Object
from moorage.storage.gcs_client import FAILURES, SECRET, GcsLocation, explain, make_client

KEYFILE = "REGISTRY_STORAGE_GCS_KEYFILE"
EMULATOR = "STORAGE_EMULATOR_HOST"
KIND = "GCS bucket"


def location(gcs: Object, credentials: dict[str, str]) -> tuple[GcsLocation, str | None]:
    """The bucket spec.storage.gcs names with the Secret's key (`credentials`: its data,
    decoded), and what is missing to use it, if anything."""
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
    )
    return found, _problem(found)


def _problem(found: GcsLocation) -> str | None:
    if not found.bucket:
        return "set bucket: this registry does not create buckets"
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


def probe(found: GcsLocation) -> CheckedStorage:
    """Whether the bucket exists and takes the key: one call, no retries."""
    client = make_client(found)
    try:
        client.get_bucket(found.bucket, timeout=PROBE_TIMEOUT, retry=None)
    except FAILURES as exc:
        problem = explain(found, exc)
        reason = type(exc).__name__
        return CheckedStorage(found, problem, (storage_exists(KIND, problem, reason),))
    finally:
        client.close()
    return CheckedStorage(found, None, (storage_exists(KIND, None),))
