"""The conditions the operator reports, on the Config and on its ClusterOperator."""

from dataclasses import dataclass, field

from moorage.resources.objects import Object
from moorage.store.resources import now


@dataclass(frozen=True)
class Condition:
    type: str
    status: bool
    reason: str
    message: str


@dataclass(frozen=True)
class Observed:
    """What the operator saw of the registry on one pass."""

    management_state: str
    wanted: int  # replicas the applied Config asks for (0 when removed)
    ready: int
    settled: bool  # every wanted replica runs the applied settings, nothing else runs
    problems: list[str]  # in the Config: not applied until fixed
    crashing: list[str]  # replicas that keep exiting
    routes: list[str] = field(default_factory=list)  # routes not served, and why
    storage: tuple[Condition, ...] = ()  # StorageExists, StorageEncrypted, ...: as reported
    missing_blobs: str | None = None  # the storage in use lacks recorded blobs: how many


def conditions(seen: Observed) -> list[Condition]:
    removed = seen.management_state == "Removed"
    if removed:
        available = Condition("Available", True, "Removed", "The registry is removed")
    elif seen.ready > 0:
        message = f"The registry is ready: {seen.ready} of {seen.wanted} replicas serve"
        available = Condition("Available", True, "Ready", message)
    else:
        available = Condition("Available", False, "NoReplicasAvailable", "No replica serves")
    if seen.settled:
        progressing = Condition("Progressing", False, "Ready", "The registry is ready")
    elif removed:
        progressing = Condition("Progressing", True, "Removing", "The registry is being removed")
    else:
        progressing = Condition(
            "Progressing", True, "RolloutInProgress", "The registry is being rolled out"
        )
    return [available, progressing, _degraded(seen), _removed(removed), *seen.storage]


def _degraded(seen: Observed) -> Condition:
    if seen.problems:
        message = "; ".join(seen.problems) + " (the registry keeps its last good configuration)"
        return Condition("Degraded", True, "InvalidConfiguration", message)
    if seen.missing_blobs:
        return Condition("Degraded", True, "BlobsNotInStorage", seen.missing_blobs)
    if seen.routes:
        return Condition("Degraded", True, "RouteInvalid", "; ".join(seen.routes))
    if seen.crashing:
        message = f"{', '.join(seen.crashing)} keeps exiting: see `moorage logs` for why"
        return Condition("Degraded", True, "CrashLooping", message)
    return Condition("Degraded", False, "AsExpected", "")


def _removed(removed: bool) -> Condition:
    if removed:
        return Condition("Removed", True, "Removed", "The registry is removed")
    return Condition("Removed", False, "", "")


def render(new: list[Condition], before: list[Object]) -> list[Object]:
    """As stored: lastTransitionTime moves only when a condition's status does."""
    since = {c.get("type"): c for c in before}
    rendered = []
    for condition in new:
        status = "True" if condition.status else "False"
        previous = since.get(condition.type) or {}
        changed = previous.get("status") != status
        rendered.append(
            {
                "type": condition.type,
                "status": status,
                "reason": condition.reason,
                "message": condition.message,
                "lastTransitionTime": now() if changed else previous.get("lastTransitionTime"),
            }
        )
    return rendered
