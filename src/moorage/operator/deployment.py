"""The Deployment image-registry in openshift-image-registry: a read-only view of the
registry's replicas, so that `get deployment` and `logs deployments/image-registry`
work as on a cluster.

Written only when something a reader would see changes (the wanted replicas or
strategy, or a count), as the pods are; gone while the registry is Removed.
"""

from moorage.operator.first_start import NAMESPACE
from moorage.operator.pods import LABELS
from moorage.platform.local import LocalReplicas, Wanted
from moorage.resources.objects import Object
from moorage.store.resources import Ref, ResourceStore

NAME = "image-registry"
REF = Ref("apps", "deployments", NAMESPACE, NAME)


class DeploymentView:
    def __init__(self, store: ResourceStore) -> None:
        self._store = store
        self._shown: Object | None = None  # spec and status as the store holds them
        self._read = False  # whether _shown says what the store holds yet

    def show(self, replicas: LocalReplicas) -> None:
        wanted = None if replicas.wanted is None else _deployment(replicas, replicas.wanted)
        if self._read and wanted == self._shown:
            return
        with self._store.transaction() as tx:
            current = tx.get(REF)
            if wanted is None:
                if current is not None:
                    tx.delete(REF)
            elif current is None:
                tx.create(REF, _as_object(wanted))
            elif {key: current.get(key) for key in wanted} != wanted:
                tx.update(REF, {**current, **wanted})
        self._shown, self._read = wanted, True


def _as_object(deployment: Object) -> Object:
    meta = {"name": NAME, "namespace": NAMESPACE, "labels": LABELS}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, **deployment}


def _deployment(replicas: LocalReplicas, wanted: Wanted) -> Object:
    running = [r for r in replicas.replicas if r.stopping_since is None]
    ready = sum(1 for r in running if r.is_ready)
    counts = {
        "replicas": len(running),
        "updatedReplicas": len(replicas.current()),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "unavailableReplicas": len(running) - ready,
    }
    template = {"metadata": {"labels": LABELS}, "spec": {"containers": [{"name": "registry"}]}}
    return {
        "spec": {
            "replicas": wanted.replicas,
            "selector": {"matchLabels": LABELS},
            "strategy": {"type": wanted.strategy},
            "template": template,
        },
        # As Kubernetes writes it: a count of none is left out.
        "status": {key: count for key, count in counts.items() if count},
    }
