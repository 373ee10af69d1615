"""Whether a bucket or container the Config names can be used, as the operator reports it:
the outcome of one probe (a network call in the operator's pass, so short timeouts and no
retries), remembered while the location stays the same: a good one until it changes, one
with a problem for RECHECK seconds."""

import base64
import binascii
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from moorage.operator.first_start import NAMESPACE
from moorage.operator.status import Condition
from moorage.resources.objects import Object
from moorage.storage import CloudLocation
from moorage.store.resources import Ref

L = TypeVar("L", bound=CloudLocation)
CREDENTIALS = Ref("", "secrets", NAMESPACE, "image-registry-private-configuration-user")
# The field of spec.storage.<type> that names the storage unit, for each cloud.
NAMED_BY = {"s3": "bucket", "azure": "container", "gcs": "bucket"}
RECHECK = 10.0
PROBE_TIMEOUT = 3.0  # the operator's pass waits for it


@dataclass(frozen=True)
class CheckedStorage:
    location: CloudLocation
    problem: str | None  # what to fix before the storage can be used
    conditions: tuple[Condition, ...] = ()  # StorageExists, and with Managed storage the rest


class Checks(Generic[L]):
    def __init__(
        self, probe: Callable[[L], CheckedStorage], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._probe = probe
        self._clock = clock
        self._last: tuple[L, CheckedStorage, float] | None = None

    def check(self, location: L) -> CheckedStorage:
        last = self._last
        if last is not None and last[0] == location:
            healthy = last[1].problem is None
            if healthy or self._clock() - last[2] < RECHECK:
                return last[1]
        checked = self._probe(location)
        self._last = (location, checked, self._clock())
        return checked


def storage_exists(kind: str, problem: str | None, reason: str = "") -> Condition:
    """StorageExists for a bucket or container the user supplied (`kind`: "GCS bucket")."""
    if problem is None:
        words = [word if word.isupper() else word.capitalize() for word in kind.split()]
        message = f"User supplied {kind} exists and is accessible"
        return Condition("StorageExists", True, f"{' '.join(words)} Exists", message)
    return Condition("StorageExists", False, reason or "Unknown Error Occurred", problem)


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


def unmanaged_when_named(storage: Object, chosen: str) -> Object | None:
    """spec.storage (azure or gcs) completed as the specification says: one that names its
    container or bucket and sets no managementState is Unmanaged. None when it needs
    nothing."""
    if storage.get("managementState") or not storage[chosen].get(NAMED_BY[chosen]):
        return None
    return {**storage, "managementState": "Unmanaged"}
