"""Request bodies: JSON or YAML objects, read whole however they arrive, up to 3 MiB; anything else
is a Status error that changes nothing."""

import json
from typing import Any

import httpx
import pytest
import yaml

from tests.support.clients import logged_statuses
from tests.support.k8s import MERGE_PATCH, assert_status, configmap, namespaced
from tests.support.oci import raw_request
from tests.support.server import RunningServer
from tests.support.trickle import cut_off, framing, trickled

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


MAX_BODY = 3 * 1024 * 1024


def large_configmap(name: str) -> dict[str, Any]:
    """About 600 KB of ConfigMap."""
    return configmap(name, {f"key-{i}": f"{i}-" + "x" * 10_000 for i in range(60)})


@pytest.mark.parametrize("syntax", ["json", "yaml"])
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_large_body_that_arrives_in_pieces_is_read_whole(
    api: httpx.Client, namespace: str, syntax: str, declared: bool
) -> None:
    obj = large_configmap("large")
    body = (json.dumps(obj) if syntax == "json" else yaml.safe_dump(obj)).encode()
    headers = {**(JSON if syntax == "json" else YAML), **framing(body, declared)}
    response = api.post(
        namespaced(namespace, "configmaps"), content=trickled(body), headers=headers
    )
    assert response.status_code == 201, response.text[:300]
    assert api.get(namespaced(namespace, "configmaps", "large")).json()["data"] == obj["data"]


def test_a_large_patch_that_arrives_in_pieces_is_applied_whole(
    api: httpx.Client, namespace: str
) -> None:
    api.post(namespaced(namespace, "configmaps"), json=configmap("a"))
    patch = json.dumps({"data": large_configmap("a")["data"]}).encode()
    response = api.patch(
        namespaced(namespace, "configmaps", "a"),
        content=trickled(patch),
        headers={**MERGE_PATCH, **framing(patch, declared=True)},
    )
    assert response.status_code == 200, response.text[:300]
    assert response.json()["data"] == large_configmap("a")["data"]


WRITES = {"POST": JSON, "PUT": JSON, "PATCH": MERGE_PATCH}


def _write_path(namespace: str, method: str) -> str:
    return namespaced(namespace, "configmaps", None if method == "POST" else "a")


@pytest.mark.parametrize("method", WRITES)
def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_sent(
    api_server: RunningServer, api: httpx.Client, namespace: str, method: str
) -> None:
    before = api.post(namespaced(namespace, "configmaps"), json=configmap("a")).json()
    headers = {**api_server.admin_headers, **WRITES[method], "Content-Length": str(MAX_BODY + 1)}
    # Only the head is sent: the answer cannot wait for a body that never comes.
    answer = raw_request(api_server.api_url, method, _write_path(namespace, method), headers)
    response = httpx.Response(answer.status, headers=answer.headers, content=answer.body)
    assert assert_status(response, 413, "RequestEntityTooLarge")["message"].endswith(
        f"limit is {MAX_BODY}"
    )
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == [before]


@pytest.mark.parametrize("method", WRITES)
def test_a_chunked_body_over_the_limit_is_refused_with_413_and_changes_nothing(
    api: httpx.Client, namespace: str, method: str
) -> None:
    before = api.post(namespaced(namespace, "configmaps"), json=configmap("a")).json()
    body = b" " * (MAX_BODY + 1024 * 1024)
    response = api.request(
        method, _write_path(namespace, method), content=trickled(body), headers=WRITES[method]
    )
    assert_status(response, 413, "RequestEntityTooLarge")
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == [before]


def test_a_body_cut_off_before_its_content_length_is_refused_and_changes_nothing(
    api_server: RunningServer, api: httpx.Client, namespace: str
) -> None:
    body = json.dumps(large_configmap("cut")).encode()
    path = namespaced(namespace, "configmaps")
    head = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"Authorization: {api_server.admin_headers['Authorization']}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    cut_off(api_server.api_port, head, body[: len(body) // 2])
    # Refused in the protocol's words (nobody is left to read it), never a crash.
    assert logged_statuses(api_server, "POST", path) == [400]
    assert api.get(path).json()["items"] == []
