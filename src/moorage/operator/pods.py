"""Pods in openshift-image-registry: a read-only view of the replicas that run.

Written only when something a reader would see changes (a replica starts, becomes
ready, restarts or stops), so a steady registry costs the store nothing.
"""

import secrets
import time
from datetime import UTC, datetime

from moorage.operator.first_start import NAMESPACE
from moorage.platform.local import Replica
from moorage.resources.objects import Object
from moorage.store.resources import Ref, ResourceStore

OPERATOR_POD = f"cluster-image-registry-operator-{secrets.token_hex(3)[:5]}"
LABELS = {"docker-registry": "default"}  # the registry's pods; its Deployment selects them
OPERATOR_LABELS = {"name": "cluster-image-registry-operator"}


class PodViews:
    def __init__(self, store: ResourceStore) -> None:
        self._store = store
        self._shown: dict[str, Object] | None = None  # name -> what the store holds
        self._operator_started = time.time()

    def show(self, replicas: list[Replica]) -> None:
        wanted = {r.name: _replica_pod(r) for r in replicas}
        wanted[OPERATOR_POD] = _operator_pod(self._operator_started)
        shown = self._shown if self._shown is not None else self._stored()
        if shown == wanted:
            return
        with self._store.transaction() as tx:
            for name in shown.keys() - wanted.keys():
                if tx.get(_ref(name)) is not None:
                    tx.delete(_ref(name))
            for name, pod in wanted.items():
                if name not in shown:
                    tx.create(_ref(name), _as_object(name, pod))
                elif shown[name] != pod:
                    current = tx.require(_ref(name))
                    tx.update(_ref(name), {**current, **pod})
        self._shown = wanted

    def _stored(self) -> dict[str, Object]:
        """Pods a previous run left (the first pass only): they are replaced."""
        with self._store.reading() as tx:
            page = tx.list("", "pods", NAMESPACE, None, None)
        return {p["metadata"]["name"]: {} for p in page.items}


def _ref(name: str) -> Ref:
    return Ref("", "pods", NAMESPACE, name)


def _as_object(name: str, pod: Object) -> Object:
    labels = OPERATOR_LABELS if name == OPERATOR_POD else LABELS
    meta = {"name": name, "namespace": NAMESPACE, "labels": labels}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, **pod}


def _replica_pod(replica: Replica) -> Object:
    ready = replica.is_ready
    state: Object
    if replica.status in ("Running", "Terminating"):
        state = {"running": {"startedAt": _timestamp(replica.started)}}
    else:
        state = {"waiting": {"reason": replica.status}}
    return {
        "spec": {"containers": [{"name": "registry"}]},
        "status": {
            "phase": "Running" if ready else "Pending",
            "reason": replica.status,
            "startTime": _timestamp(replica.created),
            "containerStatuses": [
                {
                    "name": "registry",
                    "ready": ready,
                    "restartCount": replica.restarts,
                    "state": state,
                }
            ],
        },
    }


def _operator_pod(started: float) -> Object:
    running = {"running": {"startedAt": _timestamp(started)}}
    return {
        "spec": {"containers": [{"name": "cluster-image-registry-operator"}]},
        "status": {
            "phase": "Running",
            "reason": "Running",
            "startTime": _timestamp(started),
            "hostIP": "127.0.0.1",
            "containerStatuses": [
                {
                    "name": "cluster-image-registry-operator",
                    "ready": True,
                    "restartCount": 0,
                    "state": running,
                }
            ],
        },
    }


def _timestamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
