"""policy and adm policy: role bindings as oc 4.6 makes them, and who-can."""

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.support.images import image, push_blob, push_image

RBAC = "rbac.authorization.k8s.io"
VIEWER = f"clusterrole.{RBAC}/registry-viewer"


def user(name: str) -> dict[str, str]:
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def bindings(cli: Cli, kind: str = "rolebindings") -> dict[str, dict[str, Any]]:
    """The bindings by name, as kubeadmin sees them."""
    listed = json.loads(cli("get", kind, "-o", "json"))["items"]
    return {b["metadata"]["name"]: b for b in listed}


def of_role(cli: Cli, role: str, kind: str = "rolebindings") -> dict[str, list[Any]]:
    """Each binding of the cluster role `role`: its subjects."""
    return {
        name: [{k: v for k, v in s.items() if v} for s in b.get("subjects") or []]
        for name, b in bindings(cli, kind).items()
        if b["roleRef"] == {"apiGroup": RBAC, "kind": "ClusterRole", "name": role}
    }


def test_the_specification_s_examples_let_a_user_pull_then_push(
    cli: Cli, project: str, login_as: Callable[[str], Cli]
) -> None:
    alice = login_as("alice")
    assert cli.server is not None
    with httpx.Client(base_url=cli.server.url, timeout=30, auth=alice.registry_auth) as registry:
        assert push_blob(registry, f"{project}/app", b"layer").status_code in (401, 403)
        assert cli("policy", "add-role-to-user", "registry-viewer", "alice") == (
            f'{VIEWER} added: "alice"\n'
        )
        cli("policy", "add-role-to-user", "registry-editor", "alice")
        assert push_image(registry, f"{project}/app", image(), "v1").status_code == 201
    assert alice("get", "is", "-n", project, "-o", "name") == "imagestream.image.openshift.io/app\n"


def test_adding_goes_into_the_role_s_binding(cli: Cli, project: str) -> None:
    cli("policy", "add-role-to-user", "registry-viewer", "alice")
    out = cli("policy", "add-role-to-user", "registry-viewer", "bob", "carol", "alice")
    assert out == f'{VIEWER} added: ["bob" "carol" "alice"]\n'
    assert of_role(cli, "registry-viewer") == {
        "registry-viewer": [user("alice"), user("bob"), user("carol")]
    }


def test_concurrent_additions_all_land_in_one_binding(cli: Cli, project: str) -> None:
    """Racing creates (AlreadyExists) and updates (Conflict) are worked out again."""
    names = [f"user{i}" for i in range(6)]
    with ThreadPoolExecutor(len(names)) as pool:
        said = list(pool.map(lambda n: cli("policy", "add-role-to-user", "view", n), names))
    assert said == [f'clusterrole.{RBAC}/view added: "{n}"\n' for n in names]
    bound = of_role(cli, "view")
    assert list(bound) == ["view"]
    assert sorted(s["name"] for s in bound["view"]) == names


def test_service_accounts_by_flag_or_by_full_name(cli: Cli, project: str) -> None:
    cli("create", "serviceaccount", "pusher")
    full = f"system:serviceaccount:{project}:builder"
    out = cli("policy", "add-role-to-user", "registry-editor", full, "-z", "pusher")
    assert out == f'clusterrole.{RBAC}/registry-editor added: ["{full}" "pusher"]\n'
    assert of_role(cli, "registry-editor")["registry-editor"] == [
        {"kind": "ServiceAccount", "name": "builder", "namespace": project},
        {"kind": "ServiceAccount", "name": "pusher", "namespace": project},
    ]
    line = cli.fails("policy", "add-role-to-user", "edit", "-z", full)
    assert "short name" in line


def test_removing_deletes_a_binding_left_empty(cli: Cli, project: str) -> None:
    cli("policy", "add-role-to-user", "registry-viewer", "alice", "bob")
    assert cli("policy", "remove-role-from-user", "registry-viewer", "alice") == (
        f'{VIEWER} removed: "alice"\n'
    )
    assert of_role(cli, "registry-viewer") == {"registry-viewer": [user("bob")]}
    cli("policy", "remove-role-from-user", "registry-viewer", "bob")
    assert of_role(cli, "registry-viewer") == {}


def test_removing_what_is_not_bound_is_oc_s_error(cli: Cli, project: str) -> None:
    line = cli.fails("policy", "remove-role-from-user", "registry-viewer", "alice")
    assert line == 'error: unable to locate any RoleBinding for ClusterRole "registry-viewer"'
    cli("policy", "add-role-to-user", "registry-viewer", "alice")
    line = cli.fails("policy", "remove-role-from-user", "registry-viewer", "bob", "carol")
    assert line == "error: unable to find target [bob carol]"


def test_binding_names_taken_by_another_role(cli: Cli, project: str) -> None:
    cli("policy", "add-role-to-user", "edit", "alice", "--rolebinding-name", "view")
    cli("policy", "add-role-to-user", "view", "bob")
    assert bindings(cli)["view-0"]["roleRef"]["name"] == "view"
    line = cli.fails("policy", "add-role-to-user", "view", "carol", "--rolebinding-name", "view")
    assert line == 'error: rolebinding view binds ClusterRole "edit", not ClusterRole "view"'


def test_a_role_of_the_project_s_own(cli: Cli, project: str) -> None:
    role = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "Role",
        "metadata": {"name": "tagger"},
        "rules": [
            {"apiGroups": ["image.openshift.io"], "resources": ["imagestreamtags"], "verbs": ["*"]}
        ],
    }
    cli("create", "-f", "-", input=json.dumps(role))
    out = cli("policy", "add-role-to-user", "tagger", "alice", "--role-namespace", project)
    assert out == f'role.{RBAC}/tagger added: "alice"\n'
    assert bindings(cli)["tagger"]["roleRef"] == {
        "apiGroup": RBAC,
        "kind": "Role",
        "name": "tagger",
    }
    line = cli.fails("policy", "add-role-to-user", "tagger", "bob", "--role-namespace", "other")
    assert line == (
        f'error: role binding in namespace "{project}" can\'t reference role in different '
        'namespace "other"'
    )


def test_groups(cli: Cli, project: str, login_as: Callable[[str], Cli]) -> None:
    out = cli("policy", "add-role-to-group", "registry-viewer", "system:authenticated")
    assert out == f'{VIEWER} added: "system:authenticated"\n'
    group = {"kind": "Group", "apiGroup": RBAC, "name": "system:authenticated"}
    assert of_role(cli, "registry-viewer") == {"registry-viewer": [group]}
    pull = ("auth", "can-i", "get", "imagestreams/layers", "-n", project)
    assert login_as("dave")(*pull) == "yes\n"
    cli("adm", "policy", "remove-role-from-group", "registry-viewer", "system:authenticated")
    assert of_role(cli, "registry-viewer") == {}


@pytest.mark.parametrize("kind", ["user", "group"])
def test_cluster_roles_across_the_cluster(
    cli: Cli, project: str, login_as: Callable[[str], Cli], kind: str
) -> None:
    carol = login_as("carol")
    pull = ("auth", "can-i", "get", "imagestreams/layers", "--all-namespaces")
    assert carol.run(*pull).returncode == 1
    subject = "carol" if kind == "user" else "system:authenticated:oauth"
    out = cli("adm", "policy", f"add-cluster-role-to-{kind}", "registry-viewer", subject)
    assert out == f'{VIEWER} added: "{subject}"\n'
    assert carol(*pull) == "yes\n"
    cli("adm", "policy", f"remove-cluster-role-from-{kind}", "registry-viewer", subject)
    assert carol.run(*pull).returncode == 1
    assert of_role(cli, "registry-viewer", "clusterrolebindings") == {}


def test_who_can_lists_users_and_groups_as_oc_does(cli: Cli, project: str) -> None:
    cli("policy", "add-role-to-user", "registry-viewer", "alice")
    cli("policy", "add-role-to-group", "registry-viewer", "viewers")
    lines = cli("policy", "who-can", "get", "imagestreams/layers").splitlines()
    assert lines[:6] == [
        "resourceaccessreviewresponse.authorization.openshift.io/<unknown>",
        "",
        f"Namespace: {project}",
        "Verb:      get",
        "Resource:  imagestreams.image.openshift.io/layers",
        "",
    ]
    users_end = lines.index("", 6)
    users = [line[8:] for line in lines[6:users_end]]
    assert lines[6].startswith("Users:  ") and {"alice", "kube:admin"} <= set(users)
    assert users == sorted(users)
    groups = [line[8:] for line in lines[users_end + 1 :]]
    assert lines[users_end + 1].startswith("Groups: ") and "viewers" in groups
    everywhere = cli("adm", "policy", "who-can", "update", "is/layers", "-A").splitlines()
    assert everywhere[2:5] == [
        "Namespace: <all>",
        "Verb:      update",
        "Resource:  imagestreams.image.openshift.io/layers",
    ]
    assert "alice" not in "\n".join(everywhere)


def test_bindings_are_listed_with_their_role_and_wide_with_their_subjects(
    cli: Cli, project: str
) -> None:
    cli("policy", "add-role-to-user", "registry-viewer", "alice", "-z", "default")
    table = cli("get", "rolebindings", "registry-viewer").splitlines()
    assert table[0].split() == ["NAME", "ROLE", "AGE"]
    assert table[1].split()[:2] == ["registry-viewer", "ClusterRole/registry-viewer"]
    wide = cli("get", "rolebindings", "registry-viewer", "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert wide[1].split()[-2:] == ["alice", f"{project}/default"]
