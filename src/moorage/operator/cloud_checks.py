"""Whether a bucket or container the Config names can be used, as the operator reports it:
the outcome of one probe (a network call in the operator's pass, so short timeouts and no
retries; with Managed storage, creating and securing it), remembered while the location
stays the same: a good one until it changes, one with a problem for RECHECK seconds."""

import base64
import binascii
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from moorage.operator.first_start import NAMESPACE
from moorage.operator.status import Condition
from moorage.resources.objects import Object
from moorage.storage import CloudLocation
from moorage.store.resources import Ref

L = TypeVar("L", bound=CloudLocation)
L_contra = TypeVar("L_contra", bound=CloudLocation, contravariant=True)
CREDENTIALS = Ref("", "secrets", NAMESPACE, "image-registry-private-configuration-user")
# The field of spec.storage.<type> that names the storage unit, for each cloud.
NAMED_BY = {"s3": "bucket", "azure": "container", "gcs": "bucket"}
RECHECK = 10.0
PROBE_TIMEOUT = 3.0  # the operator's pass waits for it
GONE_OR_KEPT = (" Deleted", " Kept")  # how removals end: "S3 Bucket Deleted", ...


@dataclass(frozen=True)
class CheckedStorage:
    location: CloudLocation
    problem: str | None  # what to fix before the storage can be used
    conditions: tuple[Condition, ...] = ()  # StorageExists, and with Managed storage the rest


class Cloud(Protocol[L_contra]):
    """What the operator does to one cloud's storage: each a network call in its pass."""

    def probe(self, location: L_contra, managed: bool) -> CheckedStorage:
        """Whether the storage can be used; with Managed storage, created when missing and
        secured."""
        ...

    def remove(self, location: L_contra) -> Condition:
        """Removed with Managed storage: the storage goes if the operator created it."""
        ...


class StorageChecks(Generic[L]):
    """A cloud's answers, remembered: a good one until the location changes, one with a
    problem or a failed step for RECHECK seconds. The same for removing it."""

    def __init__(self, cloud: Cloud[L], clock: Callable[[], float] = time.monotonic) -> None:
        self._cloud = cloud
        self._clock = clock
        self._last: tuple[L, bool, CheckedStorage, float] | None = None
        self._removed: tuple[L, Condition, float] | None = None

    def check(self, location: L, managed: bool) -> CheckedStorage:
        last = self._last
        if last is not None and last[:2] == (location, managed) and self._keep(last[2], last[3]):
            return last[2]
        checked = self._cloud.probe(location, managed)
        self._last, self._removed = (location, managed, checked, self._clock()), None
        return checked

    def remove(self, location: L) -> Condition:
        last = self._removed
        if last is not None and last[0] == location and self._keep_removed(last[1], last[2]):
            return last[1]
        removed = self._cloud.remove(location)
        self._removed, self._last = (location, removed, self._clock()), None
        return removed

    def _keep_removed(self, removed: Condition, at: float) -> bool:
        return removed.reason.endswith(GONE_OR_KEPT) or self._clock() - at < RECHECK

    def _keep(self, checked: CheckedStorage, at: float) -> bool:
        healthy = checked.problem is None and all(c.status for c in checked.conditions)
        return healthy or self._clock() - at < RECHECK


def secret_data(secret: Object | None) -> tuple[dict[str, str], str | None]:
    """The credentials Secret's keys, decoded (none without the Secret), and what is wrong
    with it, if anything."""
    if secret is None:
        return {}, None
    try:
        data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    except (ValueError, binascii.Error):
        return {}, f"secret {CREDENTIALS.name} holds data that is not base64 text"
    return data, None


def with_defaults(storage: Object, chosen: str) -> Object | None:
    """spec.storage (azure or gcs) as the operator completes it, or None when it needs
    nothing: Managed (or unset) storage without a container or bucket gets a generated name;
    one that names its own with no managementState is Unmanaged, as the specification says."""
    field, state = NAMED_BY[chosen], storage.get("managementState")
    if storage[chosen].get(field):
        return None if state else {**storage, "managementState": "Unmanaged"}
    if state == "Unmanaged":
        return None
    named = {**storage[chosen], field: f"moorage-image-registry-{secrets.token_hex(8)}"}
    return {**storage, chosen: named, "managementState": "Managed"}
