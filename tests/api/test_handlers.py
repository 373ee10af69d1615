"""The verbs over a namespaced kind: create, get, list, update, delete (ConfigMaps and Events)."""

import re

import httpx

from tests.support.k8s import (
    CORE,
    assert_status,
    configmap,
    create,
    create_namespace,
    namespaced,
)

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_create_answers_201_with_the_stored_object_and_its_server_fields(
    api: httpx.Client, namespace: str
) -> None:
    response = api.post(namespaced(namespace, "configmaps"), json=configmap("a", {"k": "v"}))
    assert response.status_code == 201
    created = response.json()
    assert (created["apiVersion"], created["kind"]) == ("v1", "ConfigMap")
    meta = created["metadata"]
    assert (meta["name"], meta["namespace"]) == ("a", namespace)
    assert re.match(r"^[0-9a-f-]{36}$", meta["uid"])
    assert int(meta["resourceVersion"]) > 0
    assert TIMESTAMP.match(meta["creationTimestamp"])
    assert meta["generation"] == 1
    assert created["data"] == {"k": "v"}


def test_create_fills_the_namespace_from_the_path(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "configmaps"), {"metadata": {"name": "bare"}})
    assert created["metadata"]["namespace"] == namespace
    assert created["kind"] == "ConfigMap"


def test_generate_name_makes_a_fresh_name_each_time(api: httpx.Client, namespace: str) -> None:
    body = {"metadata": {"generateName": "gen-"}}
    first = create(api, namespaced(namespace, "configmaps"), body)["metadata"]["name"]
    second = create(api, namespaced(namespace, "configmaps"), body)["metadata"]["name"]
    assert first.startswith("gen-") and len(first) > len("gen-")
    assert second.startswith("gen-") and second != first
    assert api.get(namespaced(namespace, "configmaps", first)).status_code == 200


def test_get_returns_what_create_returned(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))
    response = api.get(namespaced(namespace, "configmaps", "a"))
    assert response.status_code == 200
    assert response.json() == created


def test_get_of_a_missing_object_is_not_found(api: httpx.Client, namespace: str) -> None:
    status = assert_status(api.get(namespaced(namespace, "configmaps", "nope")), 404, "NotFound")
    assert "nope" in status["message"]


def test_creating_an_existing_name_is_already_exists(api: httpx.Client, namespace: str) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "first"}))
    response = api.post(namespaced(namespace, "configmaps"), json=configmap("a", {"k": "second"}))
    assert_status(response, 409, "AlreadyExists")
    assert api.get(namespaced(namespace, "configmaps", "a")).json()["data"] == {"k": "first"}


def test_list_returns_a_typed_list_of_one_namespace(api: httpx.Client, namespace: str) -> None:
    other = create_namespace(api)
    create(api, namespaced(namespace, "configmaps"), configmap("a"))
    create(api, namespaced(namespace, "configmaps"), configmap("b"))
    create(api, namespaced(other, "configmaps"), configmap("c"))
    body = api.get(namespaced(namespace, "configmaps")).json()
    assert (body["apiVersion"], body["kind"]) == ("v1", "ConfigMapList")
    assert int(body["metadata"]["resourceVersion"]) > 0
    assert [item["metadata"]["name"] for item in body["items"]] == ["a", "b"]


def test_list_across_namespaces_includes_every_namespace(api: httpx.Client, namespace: str) -> None:
    other = create_namespace(api)
    create(api, namespaced(namespace, "configmaps"), configmap("a"))
    create(api, namespaced(other, "configmaps"), configmap("b"))
    items = api.get(f"{CORE}/configmaps").json()["items"]
    found = {(i["metadata"]["namespace"], i["metadata"]["name"]) for i in items}
    assert {(namespace, "a"), (other, "b")} <= found


def test_update_replaces_the_object_and_moves_its_version(
    api: httpx.Client, namespace: str
) -> None:
    created = create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))
    changed = {**created, "data": {"k": "w"}}
    response = api.put(namespaced(namespace, "configmaps", "a"), json=changed)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["data"] == {"k": "w"}
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    for kept in ("uid", "creationTimestamp"):
        assert updated["metadata"][kept] == created["metadata"][kept]
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == updated


def test_update_cannot_change_the_server_set_fields(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "configmaps"), configmap("a"))
    forged = {**created, "metadata": {**created["metadata"], "uid": "forged"}}
    forged["metadata"]["creationTimestamp"] = "2000-01-01T00:00:00Z"
    updated = api.put(namespaced(namespace, "configmaps", "a"), json=forged).json()
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


def test_update_with_a_stale_resource_version_is_a_conflict(
    api: httpx.Client, namespace: str
) -> None:
    created = create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))
    first = api.put(namespaced(namespace, "configmaps", "a"), json={**created, "data": {"k": "1"}})
    assert first.status_code == 200
    stale = api.put(namespaced(namespace, "configmaps", "a"), json={**created, "data": {"k": "2"}})
    assert_status(stale, 409, "Conflict")
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == first.json()


def test_update_without_a_resource_version_is_unconditional(
    api: httpx.Client, namespace: str
) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))
    response = api.put(namespaced(namespace, "configmaps", "a"), json=configmap("a", {"k": "w"}))
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"k": "w"}


def test_update_of_a_missing_object_is_not_found(api: httpx.Client, namespace: str) -> None:
    response = api.put(namespaced(namespace, "configmaps", "ghost"), json=configmap("ghost"))
    assert_status(response, 404, "NotFound")
    assert api.get(namespaced(namespace, "configmaps", "ghost")).status_code == 404


def test_update_naming_another_object_is_a_bad_request(api: httpx.Client, namespace: str) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))
    response = api.put(namespaced(namespace, "configmaps", "a"), json=configmap("b", {"k": "w"}))
    assert_status(response, 400, "BadRequest")
    assert api.get(namespaced(namespace, "configmaps", "a")).json()["data"] == {"k": "v"}
    assert api.get(namespaced(namespace, "configmaps", "b")).status_code == 404


def test_delete_returns_the_object_and_removes_it(api: httpx.Client, namespace: str) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))
    response = api.delete(namespaced(namespace, "configmaps", "a"))
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "a"
    assert_status(api.get(namespaced(namespace, "configmaps", "a")), 404, "NotFound")
    assert_status(api.delete(namespaced(namespace, "configmaps", "a")), 404, "NotFound")


def test_creating_in_a_namespace_that_does_not_exist_is_not_found(api: httpx.Client) -> None:
    response = api.post(namespaced("no-such-ns", "configmaps"), json=configmap("a"))
    status = assert_status(response, 404, "NotFound")
    assert "no-such-ns" in status["message"]
    assert api.get(namespaced("no-such-ns", "configmaps")).json()["items"] == []


def test_namespaced_kinds_are_created_in_a_namespace(api: httpx.Client) -> None:
    assert_status(api.post(f"{CORE}/configmaps", json=configmap("a")), 400, "BadRequest")


def test_a_body_naming_another_namespace_is_a_bad_request(
    api: httpx.Client, namespace: str
) -> None:
    body = configmap("a")
    body["metadata"]["namespace"] = "elsewhere"
    assert_status(api.post(namespaced(namespace, "configmaps"), json=body), 400, "BadRequest")
    assert api.get(namespaced(namespace, "configmaps", "a")).status_code == 404


def test_unknown_resources_are_not_found(api: httpx.Client, namespace: str) -> None:
    assert_status(api.get(namespaced(namespace, "widgets")), 404, "NotFound")
    assert_status(api.get("/apis/project.openshift.io/v1/widgets"), 404, "NotFound")


def test_events_support_the_same_verbs(api: httpx.Client, namespace: str) -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "started"},
        "involvedObject": {"kind": "ConfigMap", "namespace": namespace, "name": "a"},
        "reason": "Created",
        "message": "made for a test",
        "type": "Normal",
        "count": 1,
    }
    created = create(api, namespaced(namespace, "events"), event)
    assert created["reason"] == "Created"
    assert created["involvedObject"]["name"] == "a"
    listed = api.get(namespaced(namespace, "events")).json()
    assert (listed["kind"], len(listed["items"])) == ("EventList", 1)
    updated = api.put(namespaced(namespace, "events", "started"), json={**created, "count": 2})
    assert updated.json()["count"] == 2
    assert api.delete(namespaced(namespace, "events", "started")).status_code == 200
    assert api.get(namespaced(namespace, "events")).json()["items"] == []
