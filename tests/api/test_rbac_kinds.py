"""rbac.authorization.k8s.io/v1 through the API: the four kinds are stored and served."""

import httpx

from tests.support.k8s import Object, assert_status, cause_fields, create, unique

RBAC = "rbac.authorization.k8s.io"
BASE = f"/apis/{RBAC}/v1"
READER_RULES = [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]


def role_ref(kind: str, name: str) -> Object:
    return {"apiGroup": RBAC, "kind": kind, "name": name}


def path(plural: str, namespace: str | None = None, name: str | None = None) -> str:
    collection = f"{BASE}/namespaces/{namespace}/{plural}" if namespace else f"{BASE}/{plural}"
    return f"{collection}/{name}" if name else collection


def test_the_group_is_discoverable_with_its_scopes(api: httpx.Client) -> None:
    body = api.get(f"{BASE}").json()
    kinds = {entry["name"]: (entry["kind"], entry["namespaced"]) for entry in body["resources"]}
    assert kinds["clusterroles"] == ("ClusterRole", False)
    assert kinds["clusterrolebindings"] == ("ClusterRoleBinding", False)
    assert kinds["roles"] == ("Role", True)
    assert kinds["rolebindings"] == ("RoleBinding", True)


def test_a_cluster_role_with_a_colon_in_its_name_is_created_got_and_listed(
    api: httpx.Client,
) -> None:
    name, label = f"test:{unique('reader')}", unique("l")
    body = {
        "apiVersion": f"{RBAC}/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name, "labels": {"test": label}},
        "rules": [*READER_RULES, {"nonResourceURLs": ["/healthz"], "verbs": ["get"]}],
    }
    created = create(api, path("clusterroles"), body)
    assert created["rules"] == body["rules"]
    got = api.get(path("clusterroles", name=name))
    assert got.status_code == 200, got.text
    assert got.json()["rules"][1]["nonResourceURLs"] == ["/healthz"]
    listed = api.get(path("clusterroles"), params={"labelSelector": f"test={label}"}).json()
    assert [item["metadata"]["name"] for item in listed["items"]] == [name]


def test_a_cluster_role_binding_defaults_its_subjects_api_group(api: httpx.Client) -> None:
    name = unique("crb")
    body = {
        "kind": "ClusterRoleBinding",
        "apiVersion": f"{RBAC}/v1",
        "metadata": {"name": name},
        "roleRef": role_ref("ClusterRole", "view"),
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "ServiceAccount", "name": "robot", "namespace": "a"},
        ],
    }
    created = create(api, path("clusterrolebindings"), body)
    assert [s["apiGroup"] for s in created["subjects"]] == [RBAC, ""]
    assert api.get(path("clusterrolebindings", name=name)).json()["roleRef"]["name"] == "view"


def binding_kinds(api: httpx.Client, namespace: str) -> list[tuple[str, str]]:
    """(name, roleRef kind) of every RoleBinding in `namespace`, in the order listed."""
    listed = api.get(path("rolebindings", namespace)).json()["items"]
    return [(b["metadata"]["name"], b["roleRef"]["kind"]) for b in listed]


def test_a_role_and_its_binding_live_in_a_namespace(api: httpx.Client, namespace: str) -> None:
    # Every namespace starts with the bindings OpenShift's controllers make (image pullers
    # and builders); creating one more adds exactly that one.
    defaults = binding_kinds(api, namespace)
    assert ("readers", "Role") not in defaults
    role = {"kind": "Role", "metadata": {"name": "reader"}, "rules": READER_RULES}
    created = create(api, path("roles", namespace), role)
    assert created["metadata"]["namespace"] == namespace
    binding = {
        "kind": "RoleBinding",
        "metadata": {"name": "readers"},
        "roleRef": role_ref("Role", "reader"),
        "subjects": [{"kind": "Group", "name": "system:serviceaccounts:" + namespace}],
    }
    create(api, path("rolebindings", namespace), binding)
    roles = api.get(path("roles", namespace)).json()["items"]
    assert [r["metadata"]["name"] for r in roles] == ["reader"]
    assert binding_kinds(api, namespace) == sorted([*defaults, ("readers", "Role")])  # by name
    got = api.get(path("rolebindings", namespace, "readers")).json()
    assert got["subjects"][0]["apiGroup"] == RBAC


def test_a_binding_without_role_ref_is_invalid(api: httpx.Client, namespace: str) -> None:
    body = {"kind": "RoleBinding", "metadata": {"name": "b"}, "subjects": []}
    status = assert_status(api.post(path("rolebindings", namespace), json=body), 422, "Invalid")
    assert cause_fields(status) == ["roleRef"]
    assert api.get(path("rolebindings", namespace, "b")).status_code == 404


def test_a_cluster_role_binding_may_not_reference_a_role(api: httpx.Client) -> None:
    body = {
        "kind": "ClusterRoleBinding",
        "metadata": {"name": unique("crb")},
        "roleRef": role_ref("Role", "reader"),
        "subjects": [{"kind": "User", "name": "alice"}],
    }
    status = assert_status(api.post(path("clusterrolebindings"), json=body), 422, "Invalid")
    assert cause_fields(status) == ["roleRef.kind"]


def test_a_subject_of_an_unknown_kind_is_invalid(api: httpx.Client, namespace: str) -> None:
    body = {
        "kind": "RoleBinding",
        "metadata": {"name": "b"},
        "roleRef": role_ref("ClusterRole", "view"),
        "subjects": [{"kind": "Robot", "name": "r2"}],
    }
    status = assert_status(api.post(path("rolebindings", namespace), json=body), 422, "Invalid")
    assert cause_fields(status) == ["subjects[0].kind"]


def test_a_namespaced_role_may_not_grant_urls(api: httpx.Client, namespace: str) -> None:
    rules = [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]
    body = {"kind": "Role", "metadata": {"name": "r"}, "rules": rules}
    status = assert_status(api.post(path("roles", namespace), json=body), 422, "Invalid")
    assert cause_fields(status) == ["rules[0].nonResourceURLs"]
