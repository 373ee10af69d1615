"""Namespaces: cluster-scoped, DNS-1123 label names, a status subresource; deleting empties them."""

import httpx

from tests.support.k8s import (
    CORE,
    MERGE_PATCH,
    assert_status,
    cause_fields,
    configmap,
    create,
    create_namespace,
    namespaced,
    unique,
)


def test_a_namespace_is_created_active(api: httpx.Client) -> None:
    name = unique("ns")
    created = create(api, f"{CORE}/namespaces", {"metadata": {"name": name}})
    assert (created["apiVersion"], created["kind"]) == ("v1", "Namespace")
    assert "namespace" not in created["metadata"]
    assert created["status"] == {"phase": "Active"}
    assert created["spec"] == {"finalizers": ["kubernetes"]}
    assert api.get(f"{CORE}/namespaces/{name}").json() == created


def test_a_namespace_name_must_be_a_dns_label(api: httpx.Client) -> None:
    name = f"{unique('dotted')}.example"
    response = api.post(f"{CORE}/namespaces", json={"metadata": {"name": name}})
    assert cause_fields(assert_status(response, 422, "Invalid")) == ["metadata.name"]
    assert_status(api.get(f"{CORE}/namespaces/{name}"), 404, "NotFound")


def test_namespaces_are_listed_and_updated(api: httpx.Client) -> None:
    name = create_namespace(api)
    listed = api.get(f"{CORE}/namespaces", params={"fieldSelector": f"metadata.name={name}"})
    assert [item["metadata"]["name"] for item in listed.json()["items"]] == [name]
    current = api.get(f"{CORE}/namespaces/{name}").json()
    changed = {**current, "metadata": {**current["metadata"], "labels": {"team": "a"}}}
    updated = api.put(f"{CORE}/namespaces/{name}", json=changed)
    assert updated.status_code == 200, updated.text
    assert updated.json()["metadata"]["labels"] == {"team": "a"}


def test_deleting_a_namespace_deletes_what_is_in_it(api: httpx.Client) -> None:
    name = create_namespace(api)
    bystander = create_namespace(api)
    create(api, namespaced(name, "configmaps"), configmap("cm"))
    create(api, namespaced(name, "secrets"), {"metadata": {"name": "s"}, "stringData": {"k": "v"}})
    create(api, namespaced(bystander, "configmaps"), configmap("cm"))
    assert api.delete(f"{CORE}/namespaces/{name}").status_code == 200
    assert_status(api.get(f"{CORE}/namespaces/{name}"), 404, "NotFound")
    assert api.get(namespaced(name, "configmaps")).json()["items"] == []
    assert api.get(namespaced(name, "secrets")).json()["items"] == []
    assert api.get(namespaced(bystander, "configmaps", "cm")).status_code == 200


def test_a_namespace_made_again_after_deletion_starts_empty(api: httpx.Client) -> None:
    name = create_namespace(api)
    create(api, namespaced(name, "configmaps"), configmap("cm"))
    api.delete(f"{CORE}/namespaces/{name}")
    create_namespace(api, name)
    assert api.get(namespaced(name, "configmaps")).json()["items"] == []


def test_the_status_subresource_changes_only_status(api: httpx.Client) -> None:
    name = create_namespace(api)
    current = api.get(f"{CORE}/namespaces/{name}").json()
    attempt = {
        **current,
        "metadata": {**current["metadata"], "labels": {"sneaky": "yes"}},
        "spec": {"finalizers": []},
        "status": {"phase": "Active"},
    }
    response = api.put(f"{CORE}/namespaces/{name}/status", json=attempt)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert "labels" not in updated["metadata"]
    assert updated["spec"] == current["spec"]
    assert int(updated["metadata"]["resourceVersion"]) > int(current["metadata"]["resourceVersion"])
    assert api.get(f"{CORE}/namespaces/{name}").json() == updated


def test_the_status_subresource_is_read_as_the_whole_object(api: httpx.Client) -> None:
    name = create_namespace(api)
    response = api.get(f"{CORE}/namespaces/{name}/status")
    assert response.status_code == 200
    assert response.json()["status"]["phase"] == "Active"


def test_the_status_subresource_takes_patches(api: httpx.Client) -> None:
    name = create_namespace(api)
    response = api.patch(
        f"{CORE}/namespaces/{name}/status",
        json={"metadata": {"labels": {"sneaky": "yes"}}, "status": {"phase": "Active"}},
        headers=MERGE_PATCH,
    )
    assert response.status_code == 200, response.text
    assert "labels" not in response.json()["metadata"]


def test_the_status_subresource_checks_the_resource_version(api: httpx.Client) -> None:
    name = create_namespace(api)
    current = api.get(f"{CORE}/namespaces/{name}").json()
    api.patch(
        f"{CORE}/namespaces/{name}", json={"metadata": {"labels": {"a": "b"}}}, headers=MERGE_PATCH
    )
    response = api.put(f"{CORE}/namespaces/{name}/status", json=current)
    assert_status(response, 409, "Conflict")


def test_kinds_without_a_status_subresource_have_none(api: httpx.Client, namespace: str) -> None:
    create(api, namespaced(namespace, "configmaps"), configmap("cm"))
    response = api.put(namespaced(namespace, "configmaps", "cm") + "/status", json=configmap("cm"))
    assert_status(response, 404, "NotFound")
