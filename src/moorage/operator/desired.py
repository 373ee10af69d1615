"""What the Config asks for, in the terms replicas run with, and what in it cannot work."""

from dataclasses import dataclass, field

from moorage.operator.claims import DEFAULT_CLAIM, single_writer, volume_of
from moorage.operator.cloud_checks import CheckedStorage
from moorage.operator.durations import seconds
from moorage.platform.local import Strategy
from moorage.registry.settings import RegistrySettings, RequestLimits, Storage, secret_bytes
from moorage.resources.objects import Object
from moorage.resources.operator import storage_type


@dataclass(frozen=True)
class Desired:
    management_state: str
    replicas: int
    strategy: Strategy
    settings: RegistrySettings
    storage: Object  # status.storage: what is in use
    problems: list[str] = field(default_factory=list)  # each says what to fix
    operator_log_level: str = "Normal"


CLOUDS: dict[str, Storage] = {"s3": "s3", "azure": "azure", "gcs": "gcs"}  # by type
USABLE = "pvc, emptyDir, s3, azure or gcs"


def desired(
    spec: Object, claim: Object | None = None, cloud: CheckedStorage | None = None
) -> Desired:
    """`spec` is a validated Config spec with its httpSecret set; `claim`, the
    PersistentVolumeClaim its spec.storage.pvc names, if that exists; `cloud`, the bucket or
    container its spec.storage.s3, azure or gcs names, as checked."""
    problems: list[str] = []
    replicas = spec["replicas"]
    storage, volume, in_use = _storage(spec.get("storage") or {}, claim, replicas, problems)
    if storage in CLOUDS:
        _check_cloud(storage, cloud, problems)
    if storage == "memory" and replicas > 1:
        problems.append(
            f"spec.storage.emptyDir lives in one replica's memory: set spec.replicas to 1 "
            f"(it is {replicas}), or use spec.storage.pvc"
        )
    settings = RegistrySettings(
        storage=storage,
        volume=volume,
        cloud=cloud.location if storage in CLOUDS and cloud is not None else None,
        read_only=spec["readOnly"],
        disable_redirect=spec["disableRedirect"],
        log_level=spec["logLevel"],
        http_secret=secret_bytes(spec["httpSecret"]),
        read_limits=_limits((spec.get("requests") or {}).get("read")),
        write_limits=_limits((spec.get("requests") or {}).get("write")),
    )
    return Desired(
        spec["managementState"],
        replicas,
        spec["rolloutStrategy"],
        settings,
        in_use,
        problems,
        spec["operatorLogLevel"],
    )


def _limits(limits: Object | None) -> RequestLimits | None:
    """maxRunning 0 (or unset) is no limit, queue or not, as in OpenShift; a maxWaitInQueue
    of 0 (or unset) lets a queued request wait as long as it takes."""
    if not limits or not limits.get("maxRunning"):
        return None
    wait = seconds(limits.get("maxWaitInQueue") or "0s")
    return RequestLimits(limits["maxRunning"], limits.get("maxInQueue") or 0, wait or None)


def _check_cloud(chosen: str, cloud: CheckedStorage | None, problems: list[str]) -> None:
    if cloud is None:
        problems.append(f"spec.storage.{chosen}: the storage has not been checked yet")
    elif cloud.problem is not None:
        problems.append(f"spec.storage.{chosen}: {cloud.problem}")


def claim_name(spec: Object) -> str | None:
    """The claim spec.storage.pvc names (a blank one is the default), if pvc is chosen."""
    storage = spec.get("storage") or {}
    if storage_type(storage) != "pvc":
        return None
    return storage["pvc"].get("claim") or DEFAULT_CLAIM


def _storage(
    storage: Object, claim: Object | None, replicas: int, problems: list[str]
) -> tuple[Storage, str, Object]:
    chosen = storage_type(storage)
    if chosen == "emptyDir":
        return "memory", "", {"emptyDir": {}}
    if chosen == "pvc":
        name = storage["pvc"].get("claim") or DEFAULT_CLAIM
        if claim is None:
            problems.append(
                f'spec.storage.pvc.claim: persistentvolumeclaims "{name}" not found in '
                f"openshift-image-registry: create it (moorage create -f pvc.yaml -n "
                f"openshift-image-registry), or leave the claim blank for {DEFAULT_CLAIM}"
            )
        elif single_writer(claim) and replicas > 1:
            problems.append(
                f'persistentvolumeclaims "{name}" is {", ".join(claim["spec"]["accessModes"])}: '
                f"one replica at a time may use it; set spec.replicas to 1 (it is {replicas}) "
                "and spec.rolloutStrategy to Recreate"
            )
        return "filesystem", volume_of(name), {"pvc": {"claim": name}}
    if chosen in CLOUDS:
        return CLOUDS[chosen], "", {chosen: storage[chosen]}
    if chosen is None:
        problems.append(f"spec.storage: no storage type is set; set {USABLE}")
    else:
        problems.append(
            f"spec.storage.{chosen}: this registry cannot use {chosen} storage yet; use {USABLE}"
        )
    return "filesystem", "", {}
