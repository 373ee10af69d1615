"""PATCH: JSON merge patch, JSON patch, and strategic merge treated as merge; a JSON patch has at
most 10,000 operations, whose copies copy at most 3 MiB."""

import json

import httpx
import pytest

from moorage.api.limits import MAX_PATCH_COPIES, MAX_PATCH_OPERATIONS
from moorage.api.patches import JSON_PATCH as JSON_PATCH_TYPE
from moorage.api.patches import apply_patch
from moorage.api.status import ApiError
from tests.support.k8s import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_PATCH,
    Object,
    assert_status,
    configmap,
    create,
    namespaced,
)


@pytest.fixture
def original(api: httpx.Client, namespace: str) -> Object:
    body = configmap("a", {"keep": "1", "change": "old", "drop": "x"}, labels={"tier": "web"})
    return create(api, namespaced(namespace, "configmaps"), body)


def patch(
    api: httpx.Client, namespace: str, body: object, headers: dict[str, str]
) -> httpx.Response:
    return api.patch(
        namespaced(namespace, "configmaps", "a"), content=json.dumps(body), headers=headers
    )


@pytest.mark.parametrize("headers", [MERGE_PATCH, STRATEGIC_PATCH], ids=["merge", "strategic"])
def test_merge_patch_sets_changes_and_removes_with_null(
    api: httpx.Client, namespace: str, original: Object, headers: dict[str, str]
) -> None:
    body = {"data": {"change": "new", "drop": None, "add": "2"}, "metadata": {"labels": None}}
    response = patch(api, namespace, body, headers)
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["data"] == {"keep": "1", "change": "new", "add": "2"}
    assert "labels" not in patched["metadata"]
    assert int(patched["metadata"]["resourceVersion"]) > int(
        original["metadata"]["resourceVersion"]
    )
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == patched


def test_json_patch_applies_its_operations_in_order(
    api: httpx.Client, namespace: str, original: Object
) -> None:
    operations = [
        {"op": "test", "path": "/data/change", "value": "old"},
        {"op": "replace", "path": "/data/change", "value": "new"},
        {"op": "remove", "path": "/data/drop"},
        {"op": "add", "path": "/metadata/labels/extra", "value": "yes"},
    ]
    response = patch(api, namespace, operations, JSON_PATCH)
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["data"] == {"keep": "1", "change": "new"}
    assert patched["metadata"]["labels"] == {"tier": "web", "extra": "yes"}


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "remove", "path": "/data/absent"}],
        [{"op": "test", "path": "/data/change", "value": "not-this"}],
        [{"op": "replace", "path": "/nothing/here", "value": 1}],
    ],
    ids=["remove-missing", "failed-test", "missing-parent"],
)
def test_a_json_patch_that_does_not_apply_is_invalid_and_changes_nothing(
    api: httpx.Client, namespace: str, original: Object, operations: list[Object]
) -> None:
    assert_status(patch(api, namespace, operations, JSON_PATCH), 422, "Invalid")
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == original


def test_a_patch_that_breaks_the_schema_is_invalid_and_names_the_field(
    api: httpx.Client, namespace: str, original: Object
) -> None:
    status = assert_status(patch(api, namespace, {"unknown": 1}, MERGE_PATCH), 422, "Invalid")
    assert "unknown" in status["message"]
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == original


def test_a_patch_pinned_to_a_stale_resource_version_is_a_conflict(
    api: httpx.Client, namespace: str, original: Object
) -> None:
    assert patch(api, namespace, {"data": {"change": "first"}}, MERGE_PATCH).status_code == 200
    pinned = {"metadata": {"resourceVersion": original["metadata"]["resourceVersion"]}}
    response = patch(api, namespace, {**pinned, "data": {"change": "second"}}, MERGE_PATCH)
    assert_status(response, 409, "Conflict")
    assert api.get(namespaced(namespace, "configmaps", "a")).json()["data"]["change"] == "first"


@pytest.mark.parametrize(
    ("body", "headers"),
    [("{not json", MERGE_PATCH), ("[1, 2]", MERGE_PATCH), ('{"op": "add"}', JSON_PATCH)],
    ids=["malformed", "merge-not-object", "json-patch-not-array"],
)
def test_malformed_patches_are_bad_requests_and_change_nothing(
    api: httpx.Client, namespace: str, original: Object, body: str, headers: dict[str, str]
) -> None:
    response = api.patch(namespaced(namespace, "configmaps", "a"), content=body, headers=headers)
    assert_status(response, 400, "BadRequest")
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == original


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"data": {"change": "new"}}'),
        ("text/plain", "change=new"),
        ("application/apply-patch+yaml", "data:\n  change: new\n"),
    ],
)
def test_an_unsupported_patch_type_is_refused_with_415(
    api: httpx.Client, namespace: str, original: Object, content_type: str, body: str
) -> None:
    response = api.patch(
        namespaced(namespace, "configmaps", "a"),
        content=body,
        headers={"Content-Type": content_type},
    )
    assert_status(response, 415, "UnsupportedMediaType")
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == original


def test_patching_a_missing_object_is_not_found(api: httpx.Client, namespace: str) -> None:
    response = api.patch(
        namespaced(namespace, "configmaps", "ghost"), content="{}", headers=MERGE_PATCH
    )
    assert_status(response, 404, "NotFound")


def doubling_copies(count: int) -> list[Object]:
    """Each operation copies the whole of data into data: it doubles."""
    return [{"op": "copy", "from": "/data", "path": f"/data/k{n}"} for n in range(count)]


def test_a_json_patch_whose_copies_would_fill_memory_is_too_large_and_changes_nothing(
    api: httpx.Client, namespace: str
) -> None:
    original = create(api, namespaced(namespace, "configmaps"), configmap("a", {"v": "x" * 1000}))
    # Unbounded, 16 copies make 64 MB of object and 40 exhaust the server's memory.
    response = patch(api, namespace, doubling_copies(16), JSON_PATCH)
    status = assert_status(response, 413, "RequestEntityTooLarge")
    assert f"copy more than {MAX_PATCH_COPIES} bytes" in status["message"]
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == original


@pytest.mark.parametrize(
    ("count", "code"), [(MAX_PATCH_OPERATIONS, 200), (MAX_PATCH_OPERATIONS + 1, 413)]
)
def test_a_json_patch_has_at_most_ten_thousand_operations(
    api: httpx.Client, namespace: str, original: Object, count: int, code: int
) -> None:
    operations = [{"op": "test", "path": "/data/keep", "value": "1"}] * count
    response = patch(api, namespace, operations, JSON_PATCH)
    assert response.status_code == code, response.text[:300]
    if code == 413:
        status = assert_status(response, 413, "RequestEntityTooLarge")
        assert f"maximum operations in a JSON patch is {MAX_PATCH_OPERATIONS}" in status["message"]


def json_patched(current: Object, operations: list[Object]) -> Object:
    return apply_patch(current, json.dumps(operations).encode(), JSON_PATCH_TYPE)


@pytest.mark.parametrize("path", ["/copies/-", "/copies/0", "/named/same"])
def test_copies_are_counted_by_the_json_size_of_what_they_copy_up_to_the_limit(path: str) -> None:
    value = "x" * 1000
    current = {"value": value, "copies": [], "named": {}}
    copy = {"op": "copy", "from": "/value", "path": path}
    within = MAX_PATCH_COPIES // len(json.dumps(value))
    patched = json_patched(current, [copy] * within)
    assert value in patched["copies"] or patched["named"] == {"same": value}
    with pytest.raises(ApiError) as refused:
        json_patched(current, [copy] * (within + 1))
    assert refused.value.reason == "RequestEntityTooLarge"
