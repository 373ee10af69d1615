"""What a new cluster starts with: its system namespaces, the registry's Config, the image
pruner and the cluster's image configuration."""

from moorage.auth.bootstrap import RBAC_GROUP
from moorage.auth.project_defaults import project_defaults, role_binding
from moorage.operator.image_config import IMAGE_CONFIG_REF, blank_image_config
from moorage.resources.catalogue import catalogue
from moorage.resources.image_pruner import DEFAULT_AGE, DEFAULT_SCHEDULE
from moorage.resources.kinds import Catalogue
from moorage.resources.objects import Object
from moorage.resources.operator import GROUP, SINGLETON
from moorage.store.resources import Ref, ResourceStore, Transaction

NAMESPACE = "openshift-image-registry"  # where the registry's own objects live
SHARED = "openshift"  # images every authenticated user may pull, as on OpenShift
# `default` too: `moorage login` starts kubeadmin there, as `oc login` does on OpenShift.
SYSTEM_NAMESPACES = (
    "default",
    SHARED,
    NAMESPACE,
    "openshift-config",
    "openshift-ingress",  # router-certs-default: the ingress's certificate
    "openshift-ingress-operator",  # router-ca: the ingress CA
)
CONFIG = Ref(GROUP, "configs", "", SINGLETON)
IMAGE_PRUNER = Ref(GROUP, "imagepruners", "", SINGLETON)


def seed(store: ResourceStore, spec: Object, claim: Object | None = None) -> list[str]:
    """Create what is missing: the system namespaces (with what every project starts with),
    the Config with `spec`, and the PersistentVolumeClaim `claim` its storage names.
    Returns what was created."""
    kinds = catalogue()
    created = []
    with store.transaction() as tx:
        for name in SYSTEM_NAMESPACES:
            namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            if _create(tx, kinds, Ref("", "namespaces", "", name), namespace):
                created.append(f"namespace {name}")
                for ref, obj in _contents(namespace):
                    _create(tx, kinds, ref, obj)
        config = {"apiVersion": f"{GROUP}/v1", "kind": "Config", "spec": spec}
        if _create(tx, kinds, CONFIG, {**config, "metadata": {"name": SINGLETON}}):
            created.append(f"configs.{GROUP}/{SINGLETON}")
            if claim is not None:
                name = claim["metadata"]["name"]
                if _create(tx, kinds, Ref("", "persistentvolumeclaims", NAMESPACE, name), claim):
                    created.append(f"persistentvolumeclaim {NAMESPACE}/{name}")
        if _create(tx, kinds, IMAGE_PRUNER, image_pruner()):
            created.append(f"imagepruners.{GROUP}/{SINGLETON}")
        if _create(tx, kinds, IMAGE_CONFIG_REF, blank_image_config()):
            created.append("images.config.openshift.io/cluster")
    return created


def image_pruner() -> Object:
    """The ImagePruner OpenShift's operator makes: every night at midnight, keeping each
    tag's 3 newest revisions and whatever is younger than an hour."""
    spec = {
        "schedule": DEFAULT_SCHEDULE,
        "suspend": False,
        "keepTagRevisions": 3,
        "keepYoungerThanDuration": DEFAULT_AGE,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
    }
    pruner = {"apiVersion": f"{GROUP}/v1", "kind": "ImagePruner", "spec": spec}
    kind = catalogue().find(GROUP, "v1", "imagepruners")
    assert kind is not None
    return kind.validate({**pruner, "metadata": {"name": SINGLETON}})


def _contents(namespace: Object) -> list[tuple[Ref, Object]]:
    made = project_defaults(namespace)
    if namespace["metadata"]["name"] == SHARED:
        everyone = {"kind": "Group", "apiGroup": RBAC_GROUP, "name": "system:authenticated"}
        made.append(
            role_binding(SHARED, "shared-resource-viewers", "shared-resource-viewer", [everyone])
        )
    return made


def _create(tx: Transaction, kinds: Catalogue, ref: Ref, obj: Object) -> bool:
    if tx.get(ref) is not None:
        return False
    kind = kinds.find(ref.group, "v1", ref.plural)
    assert kind is not None
    tx.create(ref, kind.validate(obj))
    return True
