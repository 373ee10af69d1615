"""Who may pull, push, delete and list what, as OpenShift's registry asks RBAC."""

import asyncio
from typing import Any

import pytest

from moorage.auth.bootstrap import RBAC_GROUP, seed
from moorage.auth.policy import StoredPolicy
from moorage.auth.principal import ANONYMOUS, AUTHENTICATED, KUBE_ADMIN, Principal
from moorage.auth.project_defaults import role_binding
from moorage.auth.registry_access import (
    CATALOG,
    DELETE,
    PULL,
    PUSH,
    REGISTRY,
    REPOSITORY,
    Decisions,
    RegistryAccess,
    Scope,
    parse_scope,
)
from moorage.content.errors import NameInvalid
from moorage.resources.catalogue import catalogue
from moorage.store.resources import Ref, ResourceStore

ALICE = Principal("alice", (AUTHENTICATED,))
BOB = Principal("bob", (AUTHENTICATED,))
ADMIN = Principal(KUBE_ADMIN, ("system:cluster-admins", AUTHENTICATED))


class Latest:
    """Each question asked as a request asks it: of the decisions for the policy as of now."""

    def __init__(self, access: RegistryAccess) -> None:
        self._access = access

    def __getattr__(self, name: str) -> Any:
        decisions: Decisions = asyncio.run(self._access.decisions())
        return getattr(decisions, name)


@pytest.fixture
def access(store: ResourceStore) -> Latest:
    seed(store, catalogue())
    return Latest(RegistryAccess(StoredPolicy(store), store))


def grant(store: ResourceStore, namespace: str, role: str, subject: dict[str, str]) -> None:
    ref, obj = role_binding(namespace, f"{role}-{subject['name']}", role, [subject])
    with store.transaction() as tx:
        tx.create(ref, obj)


def grant_cluster(store: ResourceStore, role: str, user: str) -> None:
    obj = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": f"{role}-{user}"},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "User", "apiGroup": RBAC_GROUP, "name": user}],
    }
    with store.transaction() as tx:
        tx.create(Ref(RBAC_GROUP, "clusterrolebindings", "", obj["metadata"]["name"]), obj)


def user(name: str) -> dict[str, str]:
    return {"kind": "User", "apiGroup": RBAC_GROUP, "name": name}


def make_stream(store: ResourceStore, namespace: str, name: str) -> None:
    obj = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": name, "namespace": namespace},
    }
    with store.transaction() as tx:
        tx.create(Ref("image.openshift.io", "imagestreams", namespace, name), obj)


def test_a_puller_may_pull_from_its_project_only(access: Latest, store: ResourceStore) -> None:
    grant(store, "proj", "system:image-puller", user("alice"))
    assert access.allows(ALICE, PULL, "proj/app")
    assert not access.allows(ALICE, PUSH, "proj/app")
    assert not access.allows(ALICE, PULL, "other/app")
    assert not access.allows(ALICE, PULL, "proj-other/app")
    assert not access.allows(BOB, PULL, "proj/app")


def test_a_pusher_may_push_to_streams_that_exist_but_not_make_new_ones(
    access: Latest, store: ResourceStore
) -> None:
    grant(store, "proj", "system:image-pusher", user("alice"))
    make_stream(store, "proj", "app")
    assert access.allows(ALICE, PUSH, "proj/app")
    assert not access.allows(ALICE, PUSH, "proj/new")


@pytest.mark.parametrize("role", ["system:image-builder", "edit", "admin", "registry-editor"])
def test_roles_that_create_image_streams_may_push_new_ones(
    access: Latest, store: ResourceStore, role: str
) -> None:
    grant(store, "proj", role, user("alice"))
    assert access.allows(ALICE, PUSH, "proj/new")
    assert access.allows(ALICE, PULL, "proj/new")


def test_deleting_needs_delete_on_images_cluster_wide(access: Latest, store: ResourceStore) -> None:
    grant(store, "proj", "admin", user("alice"))
    assert not access.allows(ALICE, DELETE, "proj/app")
    grant_cluster(store, "system:image-pruner", "bob")
    assert access.allows(BOB, DELETE, "proj/app")
    assert access.allows(ADMIN, DELETE, "proj/app")


def test_a_project_may_open_pulls_to_everyone(access: Latest, store: ResourceStore) -> None:
    assert not access.allows(ANONYMOUS, PULL, "public/app")
    grant(
        store,
        "public",
        "system:image-puller",
        {"kind": "Group", "apiGroup": RBAC_GROUP, "name": "system:unauthenticated"},
    )
    assert access.allows(ANONYMOUS, PULL, "public/app")
    assert not access.allows(ANONYMOUS, PUSH, "public/app")


def test_a_name_without_a_project_is_only_for_cluster_wide_grants(
    access: Latest, store: ResourceStore
) -> None:
    grant(store, "app", "admin", user("alice"))
    assert not access.allows(ALICE, PULL, "app")
    assert access.allows(ADMIN, PULL, "app")


def test_the_token_endpoint_grants_only_the_actions_allowed(
    access: Latest, store: ResourceStore
) -> None:
    grant(store, "proj", "system:image-puller", user("alice"))
    scope = Scope(REPOSITORY, "proj/app", (PULL, PUSH, DELETE))
    assert access.granted(ALICE, scope) == (PULL,)
    assert access.granted(BOB, scope) == ()
    assert access.granted(ADMIN, scope) == (PULL, PUSH, DELETE)


def test_the_whole_catalog_is_for_those_who_may_list_every_image_stream(
    access: Latest, store: ResourceStore
) -> None:
    grant(store, "proj", "admin", user("alice"))
    catalog = Scope(REGISTRY, CATALOG, ("*",))
    assert access.granted(ADMIN, catalog) == ("*",)
    assert access.granted(ALICE, catalog) == ()
    assert access.lists_everything(ADMIN) and not access.lists_everything(ALICE)


def test_otherwise_the_catalog_shows_the_projects_one_may_pull_from(
    access: Latest, store: ResourceStore
) -> None:
    grant(store, "mine", "registry-viewer", user("alice"))
    grant(store, "shared", "system:image-puller", user("alice"))
    grant(store, "elsewhere", "registry-viewer", user("bob"))
    assert access.pullable_projects(ALICE) == {"mine", "shared"}
    assert access.pullable_projects(ADMIN) is None


def test_a_new_binding_takes_effect_at_once(access: Latest, store: ResourceStore) -> None:
    assert not access.allows(ALICE, PULL, "proj/app")
    grant(store, "proj", "view", user("alice"))
    assert access.allows(ALICE, PULL, "proj/app")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("repository:proj/app:pull", Scope(REPOSITORY, "proj/app", (PULL,))),
        ("repository:proj/app:pull,push", Scope(REPOSITORY, "proj/app", (PULL, PUSH))),
        ("repository:proj/app:push,pull,push", Scope(REPOSITORY, "proj/app", (PUSH, PULL))),
        ("repository:proj/app:*", Scope(REPOSITORY, "proj/app", (PULL, PUSH, DELETE))),
        ("repository:proj/app:pull,fly", Scope(REPOSITORY, "proj/app", (PULL,))),
        ("repository:proj/app:", Scope(REPOSITORY, "proj/app", ())),
        ("registry:catalog:*", Scope(REGISTRY, CATALOG, ("*",))),
        ("registry:catalog:list", Scope(REGISTRY, CATALOG, ())),
        ("registry:other:*", None),
        ("repository(plugin):proj/app:pull", None),
        ("", None),
    ],
)
def test_scopes_are_read_in_dockers_grammar(text: str, expected: Scope | None) -> None:
    assert parse_scope(text) == expected


@pytest.mark.parametrize(
    "name", ["proj/../app", "Proj/app", "proj//app", "proj/app/", "host:5000/proj/app", "a" * 300]
)
def test_repository_names_in_scopes_follow_the_name_grammar(name: str) -> None:
    with pytest.raises(NameInvalid):
        parse_scope(f"repository:{name}:pull")
