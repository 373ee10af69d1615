"""Projects: a ProjectRequest makes a Project, which is its Namespace seen through another group."""

import httpx

from tests.support.k8s import (
    CORE,
    MERGE_PATCH,
    PROJECTS,
    assert_status,
    cause_fields,
    configmap,
    create,
    namespaced,
    request_project,
    summary,
    unique,
    watch_lines,
)

DISPLAY_NAME = "openshift.io/display-name"
DESCRIPTION = "openshift.io/description"
REQUESTER = "openshift.io/requester"


def test_a_project_request_answers_with_the_project(api: httpx.Client) -> None:
    name = unique("proj")
    project = request_project(api, name, displayName="My Project", description="for tests")
    assert (project["apiVersion"], project["kind"]) == ("project.openshift.io/v1", "Project")
    assert project["metadata"]["name"] == name
    assert project["metadata"]["annotations"] == {
        DISPLAY_NAME: "My Project",
        DESCRIPTION: "for tests",
        REQUESTER: "kube:admin",  # as OpenShift records who asked for a project
    }
    assert project["status"] == {"phase": "Active"}
    assert api.get(f"{PROJECTS}/projects/{name}").json() == project


def test_a_project_is_the_same_object_as_its_namespace(api: httpx.Client) -> None:
    name = unique("proj")
    project = request_project(api, name, displayName="Same")
    namespace = api.get(f"{CORE}/namespaces/{name}").json()
    assert (namespace["apiVersion"], namespace["kind"]) == ("v1", "Namespace")
    assert namespace["metadata"] == project["metadata"]
    assert namespace["status"] == project["status"]


def test_a_project_can_be_created_directly(api: httpx.Client) -> None:
    name = unique("proj")
    body = {"apiVersion": "project.openshift.io/v1", "kind": "Project", "metadata": {"name": name}}
    project = create(api, f"{PROJECTS}/projects", body)
    assert project["kind"] == "Project"
    assert api.get(f"{CORE}/namespaces/{name}").status_code == 200


def test_a_namespace_is_listed_as_a_project(api: httpx.Client) -> None:
    name = unique("ns")
    create(api, f"{CORE}/namespaces", {"metadata": {"name": name}})
    listed = api.get(f"{PROJECTS}/projects", params={"fieldSelector": f"metadata.name={name}"})
    body = listed.json()
    assert body["kind"] == "ProjectList"
    assert [(i["kind"], i["metadata"]["name"]) for i in body["items"]] == [("Project", name)]


def test_objects_live_in_a_project_as_in_its_namespace(api: httpx.Client) -> None:
    name = unique("proj")
    request_project(api, name)
    created = create(api, namespaced(name, "configmaps"), configmap("cm"))
    assert created["metadata"]["namespace"] == name


def test_changing_a_project_changes_its_namespace(api: httpx.Client) -> None:
    name = unique("proj")
    request_project(api, name)
    response = api.patch(
        f"{PROJECTS}/projects/{name}",
        json={"metadata": {"labels": {"team": "blue"}}},
        headers=MERGE_PATCH,
    )
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "Project"
    assert api.get(f"{CORE}/namespaces/{name}").json()["metadata"]["labels"] == {"team": "blue"}


def test_deleting_a_project_removes_its_namespace_and_contents(api: httpx.Client) -> None:
    name = unique("proj")
    request_project(api, name)
    create(api, namespaced(name, "configmaps"), configmap("cm"))
    response = api.delete(f"{PROJECTS}/projects/{name}")
    assert response.status_code == 200
    assert response.json()["kind"] == "Project"
    assert_status(api.get(f"{PROJECTS}/projects/{name}"), 404, "NotFound")
    assert_status(api.get(f"{CORE}/namespaces/{name}"), 404, "NotFound")
    assert api.get(namespaced(name, "configmaps")).json()["items"] == []


def test_a_project_that_exists_cannot_be_requested_again(api: httpx.Client) -> None:
    name = unique("proj")
    first = request_project(api, name, displayName="First")
    response = api.post(
        f"{PROJECTS}/projectrequests",
        json={"kind": "ProjectRequest", "metadata": {"name": name}, "displayName": "Second"},
    )
    assert_status(response, 409, "AlreadyExists")
    assert api.get(f"{PROJECTS}/projects/{name}").json() == first


def test_a_project_name_must_be_a_dns_label(api: httpx.Client) -> None:
    response = api.post(
        f"{PROJECTS}/projectrequests",
        json={"kind": "ProjectRequest", "metadata": {"name": "Not_A_Label"}},
    )
    assert cause_fields(assert_status(response, 422, "Invalid")) == ["metadata.name"]
    assert_status(api.get(f"{CORE}/namespaces/Not_A_Label"), 404, "NotFound")


def test_a_project_request_with_unknown_fields_is_invalid(api: httpx.Client) -> None:
    name = unique("proj")
    response = api.post(
        f"{PROJECTS}/projectrequests",
        json={"kind": "ProjectRequest", "metadata": {"name": name}, "owner": "me"},
    )
    assert cause_fields(assert_status(response, 422, "Invalid")) == ["owner"]
    assert_status(api.get(f"{PROJECTS}/projects/{name}"), 404, "NotFound")


def test_project_requests_can_only_be_created(api: httpx.Client) -> None:
    name = unique("proj")
    request_project(api, name)
    assert_status(api.get(f"{PROJECTS}/projectrequests/{name}"), 405, "MethodNotAllowed")
    assert_status(api.delete(f"{PROJECTS}/projectrequests/{name}"), 405, "MethodNotAllowed")
    assert api.get(f"{PROJECTS}/projects/{name}").status_code == 200


def test_projects_are_watched_as_namespaces_change(api: httpx.Client) -> None:
    name = unique("proj")
    start = api.get(f"{PROJECTS}/projects").json()["metadata"]["resourceVersion"]
    request_project(api, name)
    api.delete(f"{PROJECTS}/projects/{name}")
    query = {
        "watch": "1",
        "timeoutSeconds": "1",
        "resourceVersion": start,
        "fieldSelector": f"metadata.name={name}",
    }
    with api.stream("GET", f"{PROJECTS}/projects", params=query) as response:
        events = watch_lines(response)
    assert summary(events) == [("ADDED", name), ("DELETED", name)]
    assert {e["object"]["kind"] for e in events} == {"Project"}
