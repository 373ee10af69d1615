"""imageregistry.operator.openshift.io/v1: Config, the registry's one configuration resource.

Field names are OpenShift's (openshift/api imageregistry/v1), so manifests and
`patch` commands written for OpenShift work unchanged. Rules the schema cannot say
(exactly one storage type) are checked here too; what depends on the running
registry (emptyDir with more than one replica) is the operator's to report.
"""

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object

GROUP = "imageregistry.operator.openshift.io"
SINGLETON = "cluster"
DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")

ManagementState = Literal["Managed", "Unmanaged", "Removed", "Force"]
LogLevel = Literal["Normal", "Debug", "Trace", "TraceAll"]
STORAGE_TYPES = ("emptyDir", "pvc", "s3", "gcs", "azure", "swift", "ibmcos", "oss")


def _duration(value: str) -> str:
    if not DURATION.match(value):
        raise ValueError(f"{value!r} is not a duration such as 30s, 1m or 1h30m")
    return value


Duration = Annotated[str, AfterValidator(_duration)]


class Limits(Strict):
    max_running: int = Field(default=0, ge=0)
    max_in_queue: int = Field(default=0, ge=0)
    max_wait_in_queue: Duration | None = None


class Requests(Strict):
    read: Limits | None = None
    write: Limits | None = None


class Proxy(Strict):
    http: str | None = None
    https: str | None = None
    no_proxy: str | None = None


class Route(Strict):
    name: str
    hostname: str | None = None
    secret_name: str | None = None


class Pvc(Strict):
    claim: str | None = None


class SecretKeySelector(Strict):
    """A key of a Secret in openshift-image-registry (corev1.SecretKeySelector)."""

    name: str = Field(min_length=1)
    key: str = Field(min_length=1)
    optional: bool | None = None


class S3CloudFront(Strict):
    base_url: str = Field(alias="baseURL", pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$")
    private_key: SecretKeySelector
    keypair_id: str = Field(alias="keypairID", min_length=1)
    duration: Duration | None = None


class S3(Strict):
    bucket: str | None = None
    region: str | None = None
    region_endpoint: str | None = None
    chunk_size_mi_b: int | None = Field(default=None, ge=5, le=5120, alias="chunkSizeMiB")
    encrypt: bool | None = None
    key_id: str | None = Field(default=None, alias="keyID")
    cloud_front: S3CloudFront | None = None
    virtual_hosted_style: bool | None = None
    trusted_ca: dict[str, str] | None = Field(default=None, alias="trustedCA")


class Gcs(Strict):
    bucket: str | None = None
    region: str | None = None
    project_id: str | None = Field(default=None, alias="projectID")
    key_id: str | None = Field(default=None, alias="keyID")


class Azure(Strict):
    account_name: str | None = None
    container: str | None = None
    cloud_name: (
        Literal["AzurePublicCloud", "AzureUSGovernmentCloud", "AzureChinaCloud", "AzureGermanCloud"]
        | None
    ) = None


class Storage(Strict):
    empty_dir: dict[str, Any] | None = None
    pvc: Pvc | None = None
    s3: S3 | None = None
    gcs: Gcs | None = None
    azure: Azure | None = None
    swift: Open | None = None
    ibmcos: Open | None = None
    oss: Open | None = None
    management_state: Literal["Managed", "Unmanaged"] | None = None

    @model_validator(mode="after")
    def _at_most_one_type(self) -> "Storage":
        chosen = [t for t in STORAGE_TYPES if getattr(self, _attribute(t)) is not None]
        if len(chosen) > 1:
            raise ValueError(f"only one storage type may be set, not {', '.join(chosen)}")
        return self


def _attribute(storage_type: str) -> str:
    return "empty_dir" if storage_type == "emptyDir" else storage_type


def storage_type(storage: dict[str, Any]) -> str | None:
    """The one storage type a Config's (validated) spec.storage names, if any."""
    return next((t for t in STORAGE_TYPES if t in storage), None)


def replace_storage(stored: Object, sent: Object) -> Object:
    """spec.storage is a union: an update that adds a type replaces the one stored, so the
    specification's `patch ... {"spec":{"storage":{"emptyDir":{}}}}` switches types."""
    before = ((stored.get("spec") or {}).get("storage")) or {}
    after = ((sent.get("spec") or {}).get("storage")) or {}
    added = [t for t in STORAGE_TYPES if t in after and t not in before]
    if len(added) != 1:
        return sent
    kept = {k: v for k, v in after.items() if k not in STORAGE_TYPES or k == added[0]}
    return {**sent, "spec": {**sent["spec"], "storage": kept}}


class ConfigSpec(Strict):
    management_state: ManagementState = "Managed"
    log_level: LogLevel = "Normal"
    operator_log_level: LogLevel = "Normal"
    http_secret: str | None = None
    proxy: Proxy | None = None
    storage: Storage | None = None
    read_only: bool = False
    disable_redirect: bool = False
    requests: Requests | None = None
    default_route: bool = False
    routes: list[Route] | None = None
    replicas: int = Field(default=1, ge=0)
    rollout_strategy: Literal["RollingUpdate", "Recreate"] = "RollingUpdate"
    unsupported_config_overrides: dict[str, Any] | None = None
    observed_config: dict[str, Any] | None = None
    # Scheduling on a cluster: accepted as written, meaningless on one host.
    resources: Open | None = None
    node_selector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None
    affinity: Open | None = None
    topology_spread_constraints: list[dict[str, Any]] | None = None


class Config(TopLevel):
    spec: ConfigSpec = Field(default_factory=ConfigSpec)
    status: Open | None = None


KINDS = [
    Kind(
        GROUP,
        "v1",
        "Config",
        "configs",
        "config",
        False,
        Config,
        subresources=("status",),
        name_pattern=re.compile(rf"^{SINGLETON}$"),
        on_update=replace_storage,
    ),
]
