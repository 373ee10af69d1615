"""Who may do what on the cluster: the registry's cluster roles, with the rules the
registry's own policy gives them (auth/bootstrap.py), and the registry's service account
bound to system:registry, as OpenShift binds it."""

from moorage.auth.bootstrap import RBAC_GROUP, cluster_roles
from moorage.operator.manifests.settings import PART_OF, ClusterSettings
from moorage.operator.manifests.workload import SERVICE_ACCOUNT
from moorage.resources.objects import Object

REGISTRY_ROLES = (
    "registry-admin",
    "registry-editor",
    "registry-viewer",
    "system:image-builder",
    "system:image-puller",
    "system:image-pusher",
    "system:registry",
)
REGISTRY_BINDING = "registry-registry-role"


def registry_cluster_roles() -> list[Object]:
    """Labelled as ours, not as the API server's bootstrap defaults (which a cluster's API
    server reconciles and these are not)."""
    return [
        {**role, "metadata": {"name": role["metadata"]["name"], "labels": PART_OF}}
        for role in cluster_roles()
        if role["metadata"]["name"] in REGISTRY_ROLES
    ]


def registry_binding(settings: ClusterSettings) -> Object:
    account = {"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": settings.namespace}
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": REGISTRY_BINDING, "labels": PART_OF},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "system:registry"},
        "subjects": [account],
    }
