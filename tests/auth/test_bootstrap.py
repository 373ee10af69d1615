"""The bootstrap cluster roles grant what their OpenShift namesakes grant."""

import pytest

from moorage.auth.bootstrap import NAMES, cluster_roles
from moorage.auth.principal import AUTHENTICATED, service_account
from moorage.auth.rbac import Attributes, authorize
from moorage.resources.rbac import KINDS

RBAC = "rbac.authorization.k8s.io"
IMAGE = "image.openshift.io"
EXPECTED = {
    "cluster-admin",
    "admin",
    "edit",
    "view",
    "self-provisioner",
    "registry-admin",
    "registry-editor",
    "registry-viewer",
    "shared-resource-viewer",
    "system:image-puller",
    "system:image-pusher",
    "system:image-builder",
    "system:image-pruner",
    "system:registry",
    "system:discovery",
    "system:deployer",
    "basic-user",
}


def account_identity(namespace: str, name: str) -> tuple[str, tuple[str, ...]]:
    account = service_account(namespace, name)
    return account.name, account.groups


def bound_in(role: str, namespace: str = "a", user: str = "alice") -> list[dict]:
    """A RoleBinding of the bootstrap ClusterRole `role` to `user` in `namespace`."""
    return [
        {
            "kind": "RoleBinding",
            "metadata": {"name": f"{role}-b", "namespace": namespace},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
            "subjects": [{"kind": "User", "apiGroup": RBAC, "name": user}],
        }
    ]


def can(
    role: str,
    verb: str,
    resource: str,
    subresource: str = "",
    group: str = IMAGE,
    namespace: str = "a",
    bound: str = "a",
) -> bool:
    attributes = Attributes(
        "alice", (AUTHENTICATED,), verb, group, resource, subresource, namespace
    )
    return authorize(attributes, cluster_roles(), [], [], bound_in(role, bound)).allowed


def pull(role: str, namespace: str = "a", bound: str = "a") -> bool:
    return can(role, "get", "imagestreams", "layers", namespace=namespace, bound=bound)


def push(role: str) -> bool:
    return can(role, "update", "imagestreams", "layers")


def test_every_bootstrap_role_exists_once() -> None:
    assert set(NAMES) == EXPECTED
    assert len(NAMES) == len(EXPECTED)


@pytest.mark.parametrize("role", cluster_roles(), ids=NAMES)
def test_every_bootstrap_role_is_a_valid_cluster_role(role: dict) -> None:
    cluster_role_kind = next(kind for kind in KINDS if kind.kind == "ClusterRole")
    assert cluster_role_kind.validate(role)["rules"] == role["rules"]


def test_the_roles_are_fresh_copies() -> None:
    cluster_roles()[0]["rules"].clear()
    assert cluster_roles()[0]["rules"]


@pytest.mark.parametrize(
    "role", ["registry-viewer", "system:image-puller", "view", "edit", "admin", "registry-admin"]
)
def test_roles_that_pull(role: str) -> None:
    assert pull(role)


@pytest.mark.parametrize("role", ["registry-viewer", "system:image-puller", "view"])
def test_roles_that_pull_but_cannot_push(role: str) -> None:
    assert not push(role)


@pytest.mark.parametrize(
    "role",
    ["registry-editor", "system:image-builder", "system:image-pusher", "edit", "admin"],
)
def test_roles_that_push(role: str) -> None:
    assert pull(role) and push(role)


@pytest.mark.parametrize("role", ["self-provisioner", "system:image-pruner"])
def test_roles_that_neither_pull_nor_push(role: str) -> None:
    assert not pull(role) and not push(role)


def test_a_builder_may_create_the_stream_it_pushes_to_but_a_pusher_may_not() -> None:
    assert can("system:image-builder", "create", "imagestreams")
    assert not can("system:image-pusher", "create", "imagestreams")
    assert can("registry-editor", "create", "imagestreams")


def test_the_puller_role_bound_in_one_project_grants_nothing_in_another() -> None:
    assert pull("system:image-puller", namespace="a", bound="a")
    assert not pull("system:image-puller", namespace="b", bound="a")


def test_registry_viewer_reads_image_resources_and_its_project_only() -> None:
    assert can("registry-viewer", "list", "imagestreamtags")
    assert can("registry-viewer", "get", "projects", group="project.openshift.io")
    assert not can("registry-viewer", "delete", "imagestreams")
    assert not can("registry-viewer", "get", "secrets", group="")


def test_registry_admin_manages_role_bindings_and_registry_editor_does_not() -> None:
    assert can("registry-admin", "create", "rolebindings", group=RBAC)
    assert not can("registry-editor", "create", "rolebindings", group=RBAC)
    assert can("registry-editor", "create", "secrets", group="")


def test_view_reads_but_does_not_write_and_cannot_read_secrets() -> None:
    assert can("view", "list", "configmaps", group="")
    assert not can("view", "update", "configmaps", group="")
    assert not can("view", "get", "secrets", group="")
    assert can("edit", "get", "secrets", group="")


def test_only_admin_of_the_project_roles_manages_roles() -> None:
    assert can("admin", "create", "rolebindings", group=RBAC)
    assert not can("edit", "create", "rolebindings", group=RBAC)
    assert can("admin", "delete", "projects", group="project.openshift.io")
    assert not can("edit", "delete", "projects", group="project.openshift.io")


def test_self_provisioner_may_request_projects() -> None:
    assert can("self-provisioner", "create", "projectrequests", group="project.openshift.io")


def test_the_pruner_deletes_images_and_the_registry_reads_them() -> None:
    assert can("system:image-pruner", "delete", "images")
    assert can("system:image-pruner", "update", "imagestreams", "status")
    assert can("system:registry", "create", "imagestreammappings")
    assert pull("system:registry") and not push("system:registry")


def test_cluster_admin_may_do_anything_anywhere() -> None:
    bindings = [
        {
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "root"},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "User", "apiGroup": RBAC, "name": "kubeadmin"}],
        }
    ]
    requests = [
        Attributes("kubeadmin", (), "delete", "", "namespaces", "", "", "anything"),
        Attributes("kubeadmin", (), "update", IMAGE, "imagestreams", "layers", "b", "s"),
        Attributes("kubeadmin", (), "escalate", RBAC, "clusterroles"),
        Attributes("kubeadmin", (), "get", path="/metrics"),
    ]
    for attributes in requests:
        assert authorize(attributes, cluster_roles(), [], bindings, []).allowed
    stranger = Attributes("alice", (AUTHENTICATED,), "get", "", "namespaces")
    assert not authorize(stranger, cluster_roles(), [], bindings, []).allowed


def test_project_service_accounts_can_pull_when_their_group_is_granted_the_puller_role() -> None:
    binding = {
        "kind": "RoleBinding",
        "metadata": {"name": "system:image-pullers", "namespace": "a"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": "system:image-puller"},
        "subjects": [{"kind": "Group", "apiGroup": RBAC, "name": "system:serviceaccounts:a"}],
    }
    user, groups = account_identity("a", "default")
    attributes = Attributes(user, groups, "get", IMAGE, "imagestreams", "layers", "a")
    assert authorize(attributes, cluster_roles(), [], [], [binding]).allowed
    other_user, other_groups = account_identity("b", "default")
    other = Attributes(other_user, other_groups, "get", IMAGE, "imagestreams", "layers", "a")
    assert not authorize(other, cluster_roles(), [], [], [binding]).allowed


def test_a_project_s_deployer_rolls_out_but_cannot_push() -> None:
    def deployer(verb: str, resource: str, subresource: str = "") -> bool:
        return can("system:deployer", verb, resource, subresource, group="")

    assert deployer("update", "replicationcontrollers")
    assert deployer("create", "pods")
    assert not deployer("create", "secrets")
    assert not can("system:deployer", "update", "imagestreams", "layers")
