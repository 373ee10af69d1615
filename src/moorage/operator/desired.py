"""What the Config asks for, in the terms replicas run with, and what in it cannot work."""

from dataclasses import dataclass, field

from moorage.operator.durations import seconds
from moorage.platform.local import Strategy
from moorage.registry.settings import RegistrySettings, RequestLimits, Storage, secret_bytes
from moorage.resources.objects import Object
from moorage.resources.operator import storage_type

DEFAULT_CLAIM = "image-registry-storage"  # backed by <data-dir>/storage


@dataclass(frozen=True)
class Desired:
    management_state: str
    replicas: int
    strategy: Strategy
    settings: RegistrySettings
    storage: Object  # status.storage: what is in use
    problems: list[str] = field(default_factory=list)  # each says what to fix


def desired(spec: Object) -> Desired:
    """`spec` is a validated Config spec with its httpSecret set."""
    problems: list[str] = []
    storage, in_use = _storage(spec.get("storage") or {}, problems)
    replicas = spec["replicas"]
    if storage == "memory" and replicas > 1:
        problems.append(
            f"spec.storage.emptyDir lives in one replica's memory: set spec.replicas to 1 "
            f"(it is {replicas}), or use spec.storage.pvc"
        )
    settings = RegistrySettings(
        storage=storage,
        read_only=spec["readOnly"],
        log_level=spec["logLevel"],
        http_secret=secret_bytes(spec["httpSecret"]),
        read_limits=_limits((spec.get("requests") or {}).get("read")),
        write_limits=_limits((spec.get("requests") or {}).get("write")),
    )
    return Desired(
        spec["managementState"], replicas, spec["rolloutStrategy"], settings, in_use, problems
    )


def _limits(limits: Object | None) -> RequestLimits | None:
    """maxRunning 0 (or unset) is no limit, queue or not, as in OpenShift; a maxWaitInQueue
    of 0 (or unset) lets a queued request wait as long as it takes."""
    if not limits or not limits.get("maxRunning"):
        return None
    wait = seconds(limits.get("maxWaitInQueue") or "0s")
    return RequestLimits(limits["maxRunning"], limits.get("maxInQueue") or 0, wait or None)


def _storage(storage: Object, problems: list[str]) -> tuple[Storage, Object]:
    chosen = storage_type(storage)
    if chosen == "emptyDir":
        return "memory", {"emptyDir": {}}
    if chosen == "pvc":
        claim = storage["pvc"].get("claim") or DEFAULT_CLAIM
        if claim != DEFAULT_CLAIM:
            problems.append(
                f'spec.storage.pvc.claim: persistentvolumeclaims "{claim}" not found '
                f"in openshift-image-registry; use {DEFAULT_CLAIM}"
            )
        return "filesystem", {"pvc": {"claim": DEFAULT_CLAIM}}
    if chosen is None:
        problems.append("spec.storage: no storage type is set; set pvc or emptyDir")
    else:
        problems.append(
            f"spec.storage.{chosen}: this registry cannot use {chosen} storage yet; "
            "use pvc or emptyDir"
        )
    return "filesystem", {}
