"""The registry's workload on a cluster: its namespace, service account, storage claim,
Deployment and Service, named as OpenShift names them.

Each pod runs `moorage serve` with one worker (the Deployment's replicas are the scale), its
data directory on the claim `image-registry-storage` (ReadWriteMany: every replica shares
the blobs), its metadata in the PostgreSQL that --database-url-secret names.
"""

import math

from moorage.observability.health import CHECK_SECONDS
from moorage.operator.claims import DEFAULT_CLAIM, default_claim
from moorage.operator.deployment import NAME
from moorage.operator.manifests.settings import PART_OF, ClusterSettings
from moorage.operator.pods import LABELS
from moorage.resources.objects import Object

SERVICE_ACCOUNT = "registry"
REGISTRY_PORT = 5000
API_PORT = 6443
DATA_DIR = "/var/lib/moorage"
DATABASE_URL_KEY = "database-url"
SHUTDOWN_SECONDS = 30  # requests in flight get this long after SIGTERM
# Kubernetes kills the pod this much after the shutdown timeout would have.
KILL_MARGIN_SECONDS = 10


def _metadata(name: str, settings: ClusterSettings) -> Object:
    return {"name": name, "namespace": settings.namespace, "labels": PART_OF}


def namespace(settings: ClusterSettings) -> Object:
    meta = {"name": settings.namespace, "labels": PART_OF}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def service_account(settings: ClusterSettings) -> Object:
    meta = _metadata(SERVICE_ACCOUNT, settings)
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}


def claim(settings: ClusterSettings) -> Object:
    made = default_claim(settings.storage_size)
    return {**made, "metadata": {**made["metadata"], **_metadata(DEFAULT_CLAIM, settings)}}


def service(settings: ClusterSettings) -> Object:
    ports = [
        {"name": f"{REGISTRY_PORT}-tcp", "port": REGISTRY_PORT, "targetPort": REGISTRY_PORT},
        {"name": "api", "port": API_PORT, "targetPort": API_PORT},
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(NAME, settings),
        "spec": {"selector": LABELS, "ports": [{**p, "protocol": "TCP"} for p in ports]},
    }


def deployment(settings: ClusterSettings) -> Object:
    pod = {
        "serviceAccountName": SERVICE_ACCOUNT,
        "terminationGracePeriodSeconds": SHUTDOWN_SECONDS + KILL_MARGIN_SECONDS,
        "containers": [_registry_container(settings)],
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": DEFAULT_CLAIM}}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(NAME, settings),
        "spec": {
            "replicas": settings.replicas,
            "selector": {"matchLabels": LABELS},
            "strategy": {"type": "RollingUpdate"},
            "template": {"metadata": {"labels": {**LABELS, **PART_OF}}, "spec": pod},
        },
    }


def _registry_container(settings: ClusterSettings) -> Object:
    container: Object = {
        "name": "registry",
        "image": settings.image,
        "command": ["moorage", "serve"],
        "args": [
            f"--listen=0.0.0.0:{REGISTRY_PORT}",
            f"--api-listen=0.0.0.0:{API_PORT}",
            "--ingress-listen=off",  # a cluster's ingress routes to the Service
            f"--data-dir={DATA_DIR}",
            "--workers=1",
            f"--shutdown-timeout={SHUTDOWN_SECONDS}",
        ],
        "ports": [
            {"name": "registry", "containerPort": REGISTRY_PORT, "protocol": "TCP"},
            {"name": "api", "containerPort": API_PORT, "protocol": "TCP"},
        ],
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}},
        "volumeMounts": [{"name": "data", "mountPath": DATA_DIR}],
        **_probes(),
    }
    if settings.database_url_secret is not None:
        source = {"name": settings.database_url_secret, "key": DATABASE_URL_KEY}
        container["env"] = [{"name": "MOORAGE_DATABASE_URL", "valueFrom": {"secretKeyRef": source}}]
    return container


def _probes() -> Object:
    """Live while the process answers /healthz; in the Service while /readyz says its store and
    storage answer and it is not draining. A first start migrates the schema before it
    answers at all, hence the startup probe's patience."""

    def probe(path: str, period: int, failures: int, timeout: int = 1) -> Object:
        check = {"path": path, "port": REGISTRY_PORT, "scheme": "HTTP"}
        return {
            "httpGet": check,
            "periodSeconds": period,
            "failureThreshold": failures,
            "timeoutSeconds": timeout,
        }

    return {
        "startupProbe": probe("/healthz", 5, 60),
        "livenessProbe": probe("/healthz", 10, 3),
        # /readyz waits up to CHECK_SECONDS for each check.
        "readinessProbe": probe("/readyz", 5, 2, math.ceil(CHECK_SECONDS) + 1),
    }
