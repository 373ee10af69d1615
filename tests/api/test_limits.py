"""An object is stored only up to 1.5 MiB serialised, whether created, replaced or patched; above
that the request is refused with 413 and nothing changes."""

import json

import httpx
import pytest

from moorage.api.limits import MAX_OBJECT, require_storable, serialised_size
from moorage.api.status import ApiError
from tests.support.k8s import (
    JSON_PATCH,
    MERGE_PATCH,
    Object,
    assert_status,
    configmap,
    create,
    namespaced,
)

YAML = {"Content-Type": "application/yaml"}


def test_an_object_s_size_is_its_compact_json_in_utf8() -> None:
    assert serialised_size({"k": ["é", 1, None]}) == len('{"k":["é",1,null]}'.encode())


def sized(size: int) -> Object:
    """A ConfigMap of exactly `size` bytes serialised."""
    obj = configmap("a", {"k": ""})
    obj["data"]["k"] = "x" * (size - serialised_size(obj))
    return obj


def test_an_object_up_to_the_limit_is_storable_and_one_byte_more_is_too_large() -> None:
    require_storable(sized(MAX_OBJECT), "the object")
    with pytest.raises(ApiError) as refused:
        require_storable(sized(MAX_OBJECT + 1), "the object")
    assert refused.value.reason == "RequestEntityTooLarge"
    assert f"{MAX_OBJECT + 1} bytes serialised, the limit is {MAX_OBJECT}" in refused.value.message


def test_a_configmap_within_the_limit_is_stored(api: httpx.Client, namespace: str) -> None:
    obj = sized(MAX_OBJECT - 1000)  # room for the metadata the server adds
    response = api.post(namespaced(namespace, "configmaps"), json=obj)
    assert response.status_code == 201, response.text[:300]


@pytest.mark.parametrize("syntax", ["json", "yaml"])
def test_creating_an_object_over_the_limit_is_too_large(
    api: httpx.Client, namespace: str, syntax: str
) -> None:
    body = json.dumps(sized(MAX_OBJECT + 1))  # JSON is YAML too
    headers = YAML if syntax == "yaml" else {"Content-Type": "application/json"}
    response = api.post(namespaced(namespace, "configmaps"), content=body, headers=headers)
    assert (
        "the request body is too large"
        in assert_status(response, 413, "RequestEntityTooLarge")["message"]
    )
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == []


@pytest.fixture
def small(api: httpx.Client, namespace: str) -> Object:
    return create(api, namespaced(namespace, "configmaps"), configmap("a", {"k": "v"}))


def test_replacing_an_object_with_one_over_the_limit_is_too_large(
    api: httpx.Client, namespace: str, small: Object
) -> None:
    path = namespaced(namespace, "configmaps", "a")
    response = api.put(path, json=sized(MAX_OBJECT + 1))
    assert_status(response, 413, "RequestEntityTooLarge")
    assert api.get(path).json() == small


@pytest.mark.parametrize(
    ("headers", "patch"),
    [
        (MERGE_PATCH, {"data": {"big": "x" * MAX_OBJECT}}),
        (JSON_PATCH, [{"op": "add", "path": "/data/big", "value": "x" * MAX_OBJECT}]),
    ],
    ids=["merge", "json"],
)
def test_patching_an_object_past_the_limit_is_too_large(
    api: httpx.Client, namespace: str, small: Object, headers: dict[str, str], patch: object
) -> None:
    path = namespaced(namespace, "configmaps", "a")
    response = api.patch(path, content=json.dumps(patch), headers=headers)
    message = assert_status(response, 413, "RequestEntityTooLarge")["message"]
    assert "the patched object is too large" in message
    assert api.get(path).json() == small
