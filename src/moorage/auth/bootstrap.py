"""The cluster roles every cluster starts with, each granting what its OpenShift namesake grants.

Facts: ../shared/reference/openshift-api-facts.md ("Cluster roles"), and the
Kubernetes and OpenShift default roles for cluster-admin, admin, edit, view and
self-provisioner. Rules name kinds Moorage does not serve yet (pods, builds,
...) where the namesake does, so that policies written for OpenShift read the same.
Registry actions are verbs on `imagestreams/layers`: pull is get, push is update.
"""

from moorage.auth.principal import (
    AUTHENTICATED,
    AUTHENTICATED_OAUTH,
    CLUSTER_ADMINS,
    UNAUTHENTICATED,
)
from moorage.resources.kinds import Catalogue
from moorage.resources.objects import Object
from moorage.store.resources import Ref, ResourceStore

RBAC_GROUP = "rbac.authorization.k8s.io"
IMAGE = "image.openshift.io"
PROJECT = "project.openshift.io"
BUILD = "build.openshift.io"
AUTHORIZATION = "authorization.openshift.io"
USER = "user.openshift.io"

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = READ + WRITE

IMAGE_RESOURCES = [
    "deletedimagestreamtags",
    "imagestreamimages",
    "imagestreammappings",
    "imagestreams",
    "imagestreamtags",
    "imagetags",
]
PULL = "get"
PUSH = "update"
LAYERS = "imagestreams/layers"


def rule(verbs: list[str], groups: list[str], resources: list[str]) -> Object:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def cluster_role(name: str, rules: list[Object]) -> Object:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
            "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
        },
        "rules": rules,
    }


def _project_reader() -> list[Object]:
    return [rule(["get"], [""], ["namespaces"]), rule(["get"], [PROJECT], ["projects"])]


def _view() -> list[Object]:
    return [
        rule(
            READ,
            [""],
            [
                "configmaps",
                "endpoints",
                "events",
                "limitranges",
                "namespaces",
                "namespaces/status",
                "persistentvolumeclaims",
                "pods",
                "pods/log",
                "pods/status",
                "replicationcontrollers",
                "resourcequotas",
                "serviceaccounts",
                "services",
            ],
        ),
        rule(READ, ["apps"], ["daemonsets", "deployments", "replicasets", "statefulsets"]),
        rule(READ, ["batch"], ["cronjobs", "jobs"]),
        rule(READ, [IMAGE], [*IMAGE_RESOURCES, "imagestreams/status"]),
        rule([PULL], [IMAGE], [LAYERS]),
        rule(READ, [BUILD], ["buildconfigs", "builds", "builds/log"]),
        rule(["get"], [PROJECT], ["projects"]),
    ]


def _edit() -> list[Object]:
    return [
        *_view(),
        rule(
            READ_WRITE,
            [""],
            [
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "pods",
                "replicationcontrollers",
                "secrets",
                "serviceaccounts",
                "services",
            ],
        ),
        rule(["create"], [""], ["serviceaccounts/token"]),
        rule(READ_WRITE, ["apps"], ["daemonsets", "deployments", "replicasets", "statefulsets"]),
        rule(READ_WRITE, ["batch"], ["cronjobs", "jobs"]),
        rule(READ_WRITE, [IMAGE], [*IMAGE_RESOURCES, "imagestreams/secrets"]),
        rule(["create"], [IMAGE], ["imagestreamimports"]),
        rule([PULL, PUSH], [IMAGE], [LAYERS]),
        rule(READ_WRITE, [BUILD], ["buildconfigs", "builds", "buildconfigs/instantiate"]),
    ]


def _access_reviews() -> list[Object]:
    return [
        rule(
            ["create"],
            [AUTHORIZATION],
            ["localresourceaccessreviews", "localsubjectaccessreviews", "subjectrulesreviews"],
        ),
        rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
    ]


def _admin() -> list[Object]:
    return [
        *_edit(),
        rule(READ_WRITE, [RBAC_GROUP, AUTHORIZATION], ["rolebindings", "roles"]),
        *_access_reviews(),
        rule(["delete", "get", "patch", "update"], [PROJECT], ["projects"]),
    ]


def _registry_editor() -> list[Object]:
    return [
        rule(READ_WRITE, [""], ["secrets", "serviceaccounts"]),
        rule(["create"], [""], ["serviceaccounts/token"]),
        rule(READ_WRITE, [IMAGE], [*IMAGE_RESOURCES, "imagestreams/secrets"]),
        rule(["create"], [IMAGE], ["imagestreamimports"]),
        rule([PULL, PUSH], [IMAGE], [LAYERS]),
        *_project_reader(),
    ]


def _registry_admin() -> list[Object]:
    return [
        *_registry_editor(),
        rule(READ_WRITE, [RBAC_GROUP, AUTHORIZATION], ["rolebindings", "roles"]),
        *_access_reviews(),
        rule(["delete"], [PROJECT], ["projects"]),
    ]


def _image_pruner() -> list[Object]:
    return [
        rule(["get", "list"], [""], ["limitranges", "pods", "replicationcontrollers"]),
        rule(
            ["get", "list"], ["apps"], ["daemonsets", "deployments", "replicasets", "statefulsets"]
        ),
        rule(["get", "list"], ["batch"], ["cronjobs", "jobs"]),
        rule(["get", "list"], [BUILD], ["buildconfigs", "builds"]),
        rule(["get", "list"], ["apps.openshift.io"], ["deploymentconfigs"]),
        rule(["delete"], [IMAGE], ["images"]),
        rule(READ, [IMAGE], ["images", "imagestreams"]),
        rule(["update"], [IMAGE], ["imagestreams/status"]),
        # Moorage prunes in the server: asking it to is creating an ImagePrune.
        rule(["create"], [IMAGE], ["imageprunes"]),
    ]


def _deployer() -> list[Object]:
    """What a project's `deployer` account does to roll out: replication controllers and
    their pods, events, and the image stream tags a deployment triggers on."""
    return [
        rule(
            ["delete", "get", "list", "patch", "update", "watch"], [""], ["replicationcontrollers"]
        ),
        rule(["get", "update"], [""], ["replicationcontrollers/scale"]),
        rule(["get", "list", "watch", "create"], [""], ["pods"]),
        rule(["get"], [""], ["pods/log"]),
        rule(["create", "list"], [""], ["events"]),
        rule(["create", "update"], [IMAGE], ["imagestreamtags", "imagetags"]),
    ]


def _registry() -> list[Object]:
    return [
        rule(["list"], [""], ["limitranges", "resourcequotas"]),
        rule(["list"], [IMAGE], ["imagestreams"]),
        rule(["get", "delete"], [IMAGE], ["images", "imagestreamtags"]),
        rule(["get"], [IMAGE], ["imagestreamimages", "imagestreams/secrets", LAYERS]),
        rule(["get", "update"], [IMAGE], ["images", "imagestreams"]),
        rule(["create"], [IMAGE], ["imagestreammappings"]),
    ]


def cluster_roles() -> list[Object]:
    """Fresh copies, so that a caller may change what it is given."""
    return [
        cluster_role(
            "cluster-admin",
            [
                rule(["*"], ["*"], ["*"]),
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        ),
        cluster_role("admin", _admin()),
        cluster_role("edit", _edit()),
        cluster_role("view", _view()),
        cluster_role("self-provisioner", [rule(["create"], [PROJECT], ["projectrequests"])]),
        cluster_role("registry-admin", _registry_admin()),
        cluster_role("registry-editor", _registry_editor()),
        cluster_role(
            "registry-viewer",
            [
                rule(READ, [IMAGE], IMAGE_RESOURCES),
                rule([PULL], [IMAGE], [LAYERS]),
                *_project_reader(),
            ],
        ),
        cluster_role("system:image-puller", [rule([PULL], [IMAGE], [LAYERS])]),
        # What everyone may read in the shared `openshift` namespace: its images, not it.
        cluster_role(
            "shared-resource-viewer",
            [
                rule(READ, [IMAGE], ["imagestreamimages", "imagestreams", "imagestreamtags"]),
                rule([PULL], [IMAGE], [LAYERS]),
            ],
        ),
        cluster_role("system:image-pusher", [rule([PULL, PUSH], [IMAGE], [LAYERS])]),
        cluster_role(
            "system:image-builder",
            [
                rule([PULL, PUSH], [IMAGE], [LAYERS]),
                rule(["create"], [IMAGE], ["imagestreams"]),
                rule(["get"], [BUILD], ["builds"]),
                rule(["update"], [BUILD], ["builds/details"]),
            ],
        ),
        cluster_role("system:image-pruner", _image_pruner()),
        cluster_role("system:registry", _registry()),
        cluster_role("system:deployer", _deployer()),
        cluster_role("system:discovery", [{"nonResourceURLs": DISCOVERY, "verbs": ["get"]}]),
        cluster_role("basic-user", _basic_user()),
    ]


DISCOVERY = [
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/openapi",
    "/openapi/*",
    "/version",
    "/version/",
    "/healthz",
    "/readyz",
    "/livez",
    "/.well-known/oauth-authorization-server",
]


def _basic_user() -> list[Object]:
    """What anyone logged in may do: see who they are, list their projects, ask what they may do."""
    return [
        {"apiGroups": [USER], "resources": ["users"], "resourceNames": ["~"], "verbs": ["get"]},
        rule(["list", "watch"], [PROJECT], ["projects"]),
        rule(
            ["create"],
            ["authorization.k8s.io"],
            ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        ),
        rule(["create"], [AUTHORIZATION], ["selfsubjectrulesreviews"]),
        rule(["list", "watch"], [RBAC_GROUP], ["clusterroles"]),
        rule(["get"], [RBAC_GROUP], ["clusterroles"]),
    ]


def group(name: str) -> Object:
    return {"kind": "Group", "apiGroup": RBAC_GROUP, "name": name}


def cluster_role_binding(name: str, role: str, subjects: list[Object]) -> Object:
    return {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"},
            "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"},
        },
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }


def cluster_role_bindings() -> list[Object]:
    """Who holds the bootstrap roles cluster-wide, as in a new OpenShift cluster."""
    return [
        cluster_role_binding("cluster-admins", "cluster-admin", [group(CLUSTER_ADMINS)]),
        cluster_role_binding(
            "system:discovery", "system:discovery", [group(AUTHENTICATED), group(UNAUTHENTICATED)]
        ),
        cluster_role_binding("basic-users", "basic-user", [group(AUTHENTICATED)]),
        cluster_role_binding("self-provisioners", "self-provisioner", [group(AUTHENTICATED_OAUTH)]),
    ]


NAMES = tuple(role["metadata"]["name"] for role in cluster_roles())


def seed(store: ResourceStore, catalogue: Catalogue) -> int:
    """Create the bootstrap cluster roles and bindings the store lacks; returns how many.

    Those that exist are left as they are: an administrator may have changed them.
    """
    created = 0
    with store.transaction() as tx:
        for obj in [*cluster_roles(), *cluster_role_bindings()]:
            kind = catalogue.find(RBAC_GROUP, "v1", obj["kind"].lower() + "s")
            assert kind is not None
            ref = Ref(kind.group, kind.plural, "", obj["metadata"]["name"])
            if tx.get(ref) is None:
                tx.create(ref, kind.validate(obj))
                created += 1
    return created
