"""Request bodies: JSON or YAML objects; anything else is a Status error that changes nothing."""

import httpx
import pytest

from tests.support.k8s import assert_status, namespaced

YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}


def test_a_yaml_body_is_accepted(api: httpx.Client, namespace: str) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n"
    response = api.post(namespaced(namespace, "configmaps"), content=body, headers=YAML)
    assert response.status_code == 201, response.text
    assert response.json()["data"] == {"k": "v"}


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ('{"metadata": {"name": "broken"', JSON),
        ("", JSON),
        ('["metadata", "name"]', JSON),
        ("metadata: {name: [broken\n  x: :", YAML),
        ("- just\n- a list\n", YAML),
    ],
    ids=["truncated-json", "empty", "json-array", "broken-yaml", "yaml-list"],
)
def test_a_body_that_is_not_an_object_is_a_bad_request_and_changes_nothing(
    api: httpx.Client, namespace: str, body: str, headers: dict[str, str]
) -> None:
    response = api.post(namespaced(namespace, "configmaps"), content=body, headers=headers)
    assert_status(response, 400, "BadRequest")
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == []


def test_a_malformed_update_body_changes_nothing(api: httpx.Client, namespace: str) -> None:
    created = api.post(namespaced(namespace, "configmaps"), json={"metadata": {"name": "a"}})
    response = api.put(namespaced(namespace, "configmaps", "a"), content="{not: json", headers=JSON)
    assert_status(response, 400, "BadRequest")
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == created.json()


@pytest.mark.parametrize(
    "content_type", ["application/vnd.kubernetes.protobuf", "application/cbor"]
)
def test_binary_encodings_are_refused_with_415(
    api: httpx.Client, namespace: str, content_type: str
) -> None:
    response = api.post(
        namespaced(namespace, "configmaps"),
        content=b"k8s\x00\n\x0f\n\x02v1\x12\tConfigMap",
        headers={"Content-Type": content_type},
    )
    assert_status(response, 415, "UnsupportedMediaType")
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == []


def test_a_protobuf_patch_is_refused_with_415(api: httpx.Client, namespace: str) -> None:
    created = api.post(namespaced(namespace, "configmaps"), json={"metadata": {"name": "a"}})
    response = api.patch(
        namespaced(namespace, "configmaps", "a"),
        content=b"k8s\x00",
        headers={"Content-Type": "application/vnd.kubernetes.protobuf"},
    )
    assert_status(response, 415, "UnsupportedMediaType")
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == created.json()


def test_an_unknown_method_is_not_allowed(api: httpx.Client, namespace: str) -> None:
    response = api.request("OPTIONS", namespaced(namespace, "configmaps"))
    assert_status(response, 405, "MethodNotAllowed")
