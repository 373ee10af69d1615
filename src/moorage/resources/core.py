"""core/v1: Namespace, Secret, ConfigMap, Event, ServiceAccount, Pod, PersistentVolumeClaim,
ResourceQuota."""

import base64
import binascii
from typing import Annotated, Any, Literal

from pydantic import Field

from moorage.resources.base import ObjectMeta, Open, Strict
from moorage.resources.kinds import Kind
from moorage.resources.names import Invalid
from moorage.resources.objects import Object
from moorage.resources.quantities import QUANTITY

SECRET_TYPES_REQUIRED_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
    "kubernetes.io/basic-auth": (),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/service-account-token": (),
    "Opaque": (),
}


class TopLevel(Strict):
    api_version: str | None = None
    kind: str | None = None
    metadata: ObjectMeta


class NamespaceSpec(Strict):
    finalizers: list[str] | None = None


class NamespaceStatus(Strict):
    phase: str | None = None


class Namespace(TopLevel):
    spec: NamespaceSpec | None = None
    status: NamespaceStatus | None = None


class Secret(TopLevel):
    type: str = "Opaque"
    data: dict[str, str] | None = None
    string_data: dict[str, str] | None = None
    immutable: bool | None = None


class ObjectReference(Strict):
    name: str
    namespace: str | None = None
    kind: str | None = None
    api_version: str | None = None
    uid: str | None = None


class ServiceAccount(TopLevel):
    secrets: list[ObjectReference] | None = None
    image_pull_secrets: list[ObjectReference] | None = None
    automount_service_account_token: bool | None = None


class ConfigMap(TopLevel):
    data: dict[str, str] | None = None
    binary_data: dict[str, str] | None = None
    immutable: bool | None = None


class Event(TopLevel):
    involved_object: dict[str, Any] | None = None
    reason: str | None = None
    message: str | None = None
    type: str | None = None
    source: dict[str, Any] | None = None
    count: int | None = None
    first_timestamp: str | None = None
    last_timestamp: str | None = None
    event_time: str | None = None
    reporting_component: str | None = None
    reporting_instance: str | None = None
    action: str | None = None
    related: Open | None = None
    series: Open | None = None


class Pod(TopLevel):
    """What the platform runs: written by the operator, read by everyone else."""

    spec: Open | None = None
    status: Open | None = None


AccessMode = Literal["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]


class VolumeRequests(Strict):
    storage: str = Field(pattern=QUANTITY)


class VolumeResources(Strict):
    requests: VolumeRequests
    limits: dict[str, str] | None = None


class ClaimSpec(Strict):
    access_modes: list[AccessMode] = Field(min_length=1)
    resources: VolumeResources
    storage_class_name: str | None = None
    volume_mode: Literal["Filesystem", "Block"] | None = None
    volume_name: str | None = None
    selector: Open | None = None
    data_source: Open | None = None


class PersistentVolumeClaim(TopLevel):
    """A volume for the registry's storage: a directory under the data directory here."""

    spec: ClaimSpec
    status: Open | None = None


# Kubernetes' quota scopes: each selects pods, so a quota with one never counts image streams.
QuotaScope = Literal[
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
]


class QuotaSpec(Strict):
    hard: dict[str, Annotated[str, Field(pattern=QUANTITY)]] | None = None
    scopes: list[QuotaScope] | None = None
    scope_selector: Open | None = None


class QuotaStatus(Strict):
    hard: dict[str, str] | None = None
    used: dict[str, str] | None = None


class ResourceQuota(TopLevel):
    """What a project may hold; status.used is kept by the API and the registry as they
    write (imagestreams/quotas.py)."""

    spec: QuotaSpec | None = None
    status: QuotaStatus | None = None


def _bind_claim(obj: Object) -> Object:
    """Bound at once: the volume is a directory the registry makes when it first uses it."""
    spec = obj["spec"]
    obj["status"] = {
        "phase": "Bound",
        "accessModes": spec["accessModes"],
        "capacity": {"storage": spec["resources"]["requests"]["storage"]},
    }
    return obj


def _normalize_namespace(obj: Object) -> Object:
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {})["phase"] = "Active"
    return obj


def _normalize_secret(obj: Object) -> Object:
    """stringData is write-only: merged into data (base64), as the API server does."""
    name = obj["metadata"].get("name", "")
    data = obj.setdefault("data", {})
    for key, value in data.items():
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise Invalid(
                "Secret",
                name,
                [
                    {
                        "reason": "FieldValueInvalid",
                        "field": f"data[{key}]",
                        "message": "illegal base64 data",
                    }
                ],
            ) from None
    for key, value in obj.pop("stringData", {}).items():
        data[key] = base64.b64encode(value.encode()).decode()
    secret_type = obj["type"]
    required = SECRET_TYPES_REQUIRED_KEYS.get(secret_type, ())
    missing = [key for key in required if key not in data]
    if missing:
        raise Invalid(
            "Secret",
            name,
            [
                {
                    "reason": "FieldValueRequired",
                    "field": f"data[{missing[0]}]",
                    "message": f"required for a Secret of type {secret_type}",
                }
            ],
        )
    return obj


KINDS = [
    Kind(
        "",
        "v1",
        "Namespace",
        "namespaces",
        "namespace",
        False,
        Namespace,
        ("ns",),
        subresources=("status",),
        name_is_label=True,
        normalize=_normalize_namespace,
    ),
    Kind("", "v1", "Secret", "secrets", "secret", True, Secret, normalize=_normalize_secret),
    Kind(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        "serviceaccount",
        True,
        ServiceAccount,
        ("sa",),
        subresources=("token",),
    ),
    Kind("", "v1", "ConfigMap", "configmaps", "configmap", True, ConfigMap, ("cm",)),
    Kind("", "v1", "Event", "events", "event", True, Event, ("ev",)),
    Kind(
        "",
        "v1",
        "Pod",
        "pods",
        "pod",
        True,
        Pod,
        ("po",),
        verbs=("get", "list", "watch"),
        subresources=("log",),
    ),
    Kind(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        True,
        PersistentVolumeClaim,
        ("pvc",),
        subresources=("status",),
        normalize=_bind_claim,
    ),
    Kind(
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        "resourcequota",
        True,
        ResourceQuota,
        ("quota",),
        subresources=("status",),
    ),
]
