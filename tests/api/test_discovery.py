"""Discovery: what kubectl and client libraries read to learn the server's resources."""

from typing import Any

import httpx
import pytest

from tests.support.k8s import assert_status

PROJECT_GROUP = "project.openshift.io"


def resources_of(api: httpx.Client, path: str) -> dict[str, dict[str, Any]]:
    response = api.get(path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["kind"] == "APIResourceList"
    return {entry["name"]: entry for entry in body["resources"]}


def test_api_lists_the_core_version(api: httpx.Client) -> None:
    body = api.get("/api").json()
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    assert body["serverAddressByClientCIDRs"]


def test_core_v1_lists_its_resources_with_kinds_scopes_and_short_names(api: httpx.Client) -> None:
    response = api.get("/api/v1")
    assert response.json()["groupVersion"] == "v1"
    resources = resources_of(api, "/api/v1")
    expected = {
        "namespaces": ("Namespace", False, ["ns"]),
        "secrets": ("Secret", True, None),
        "configmaps": ("ConfigMap", True, ["cm"]),
        "events": ("Event", True, ["ev"]),
    }
    for name, (kind, namespaced, short_names) in expected.items():
        entry = resources[name]
        assert entry["kind"] == kind
        assert entry["namespaced"] is namespaced
        assert entry.get("shortNames") == short_names
        assert entry["singularName"] == kind.lower()
        assert {"get", "list", "watch", "create", "update", "patch", "delete"} <= set(
            entry["verbs"]
        )


def test_namespaces_advertise_their_status_subresource(api: httpx.Client) -> None:
    status = resources_of(api, "/api/v1")["namespaces/status"]
    assert status["kind"] == "Namespace"
    assert set(status["verbs"]) == {"get", "patch", "update"}


def test_apis_lists_the_project_group_with_its_preferred_version(api: httpx.Client) -> None:
    body = api.get("/apis").json()
    assert body["kind"] == "APIGroupList"
    groups = {group["name"]: group for group in body["groups"]}
    project = groups[PROJECT_GROUP]
    assert project["versions"] == [{"groupVersion": f"{PROJECT_GROUP}/v1", "version": "v1"}]
    assert project["preferredVersion"]["groupVersion"] == f"{PROJECT_GROUP}/v1"
    assert "" not in groups  # the core group is under /api, not /apis


def test_a_group_describes_itself(api: httpx.Client) -> None:
    body = api.get(f"/apis/{PROJECT_GROUP}").json()
    assert body["kind"] == "APIGroup"
    assert body["name"] == PROJECT_GROUP
    assert body["preferredVersion"]["version"] == "v1"


def test_project_group_lists_projects_and_project_requests(api: httpx.Client) -> None:
    resources = resources_of(api, f"/apis/{PROJECT_GROUP}/v1")
    projects, requests = resources["projects"], resources["projectrequests"]
    assert (projects["kind"], projects["namespaced"]) == ("Project", False)
    assert {"get", "list", "watch", "create", "update", "patch", "delete"} <= set(projects["verbs"])
    assert (requests["kind"], requests["namespaced"]) == ("ProjectRequest", False)
    assert "create" in requests["verbs"]


@pytest.mark.parametrize(
    "path", ["/apis/nothing.example.com", "/apis/nothing.example.com/v1", "/api/v2"]
)
def test_unknown_groups_and_versions_are_not_found(api: httpx.Client, path: str) -> None:
    assert_status(api.get(path), 404, "NotFound")


def test_version_reports_a_kubernetes_version(api: httpx.Client) -> None:
    body = api.get("/version").json()
    assert body["major"].isdigit()
    assert body["minor"].isdigit()
    assert body["gitVersion"].startswith(f"v{body['major']}.{body['minor']}.")


def test_openapi_v3_indexes_every_group_version(api: httpx.Client) -> None:
    paths = api.get("/openapi/v3").json()["paths"]
    assert set(paths) >= {"api/v1", f"apis/{PROJECT_GROUP}/v1"}
    document = api.get(paths["api/v1"]["serverRelativeURL"]).json()
    assert document["openapi"].startswith("3.")
    create = document["paths"]["/api/v1/namespaces/{namespace}/configmaps"]["post"]
    assert create["x-kubernetes-group-version-kind"] == {
        "group": "",
        "version": "v1",
        "kind": "ConfigMap",
    }
    # kubectl leaves validation to a server whose writes take fieldValidation.
    assert any(p["name"] == "fieldValidation" for p in create["parameters"])


def test_openapi_v3_of_an_unknown_group_is_not_found(api: httpx.Client) -> None:
    assert_status(api.get("/openapi/v3/apis/nothing.example.com/v1"), 404, "NotFound")


def test_every_advertised_verb_is_served(api: httpx.Client) -> None:
    """Clients choose what to send from discovery: nothing may be advertised that fails."""
    namespace = api.post("/api/v1/namespaces", json={"metadata": {"generateName": "dv-"}})
    name = namespace.json()["metadata"]["name"]
    api.post(f"/api/v1/namespaces/{name}/configmaps", json={"metadata": {"name": "one"}})
    verbs = set(resources_of(api, "/api/v1")["configmaps"]["verbs"])
    if "deletecollection" in verbs:
        response = api.delete(f"/api/v1/namespaces/{name}/configmaps")
        assert response.status_code == 200, response.text
        assert api.get(f"/api/v1/namespaces/{name}/configmaps").json()["items"] == []
