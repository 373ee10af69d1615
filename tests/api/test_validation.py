"""Validation: unknown fields, wrong kinds and versions, and names that break DNS-1123.

Each is a 422 Invalid Status whose causes name the offending field, and nothing is stored.
"""

import httpx
import pytest

from tests.support.k8s import CORE, Object, assert_status, cause_fields, create, namespaced


def refused(api: httpx.Client, namespace: str, body: Object) -> Object:
    """Post `body` as a ConfigMap; it must be refused as Invalid and leave no trace."""
    status = assert_status(api.post(namespaced(namespace, "configmaps"), json=body), 422, "Invalid")
    assert api.get(namespaced(namespace, "configmaps")).json()["items"] == []
    return status


def test_an_unknown_top_level_field_is_named(api: httpx.Client, namespace: str) -> None:
    status = refused(api, namespace, {"metadata": {"name": "a"}, "spec": {"x": 1}})
    assert cause_fields(status) == ["spec"]
    assert status["details"]["causes"][0]["reason"] == "FieldValueNotSupported"
    assert status["details"]["kind"] == "ConfigMap"
    assert status["details"]["name"] == "a"
    assert 'unknown field "spec"' in status["message"]


def test_an_unknown_metadata_field_is_named_with_its_path(
    api: httpx.Client, namespace: str
) -> None:
    status = refused(api, namespace, {"metadata": {"name": "a", "colour": "red"}})
    assert cause_fields(status) == ["metadata.colour"]


def test_a_value_of_the_wrong_type_is_named(api: httpx.Client, namespace: str) -> None:
    status = refused(api, namespace, {"metadata": {"name": "a"}, "data": {"k": 1}})
    assert cause_fields(status) == ["data.k"]


def test_a_body_of_another_kind_is_refused(api: httpx.Client, namespace: str) -> None:
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a"}}
    assert cause_fields(refused(api, namespace, body)) == ["kind"]
    assert api.get(namespaced(namespace, "secrets")).json()["items"] == []


def test_a_body_of_another_api_version_is_refused(api: httpx.Client, namespace: str) -> None:
    body = {"apiVersion": "apps/v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    assert cause_fields(refused(api, namespace, body)) == ["apiVersion"]


@pytest.mark.parametrize(
    "name",
    ["Upper", "under_score", "-leading", "trailing-", "a" * 254, "sp ace", "dot..dot"],
    ids=[
        "upper",
        "underscore",
        "leading-dash",
        "trailing-dash",
        "too-long",
        "space",
        "empty-label",
    ],
)
def test_a_name_that_is_not_a_dns_subdomain_is_refused(
    api: httpx.Client, namespace: str, name: str
) -> None:
    assert cause_fields(refused(api, namespace, {"metadata": {"name": name}})) == ["metadata.name"]


def test_a_name_is_required(api: httpx.Client, namespace: str) -> None:
    status = refused(api, namespace, {"metadata": {}, "data": {"k": "v"}})
    assert cause_fields(status) == ["metadata.name"]
    assert status["details"]["causes"][0]["reason"] == "FieldValueRequired"


def test_a_generate_name_that_makes_a_bad_name_is_refused(
    api: httpx.Client, namespace: str
) -> None:
    assert cause_fields(refused(api, namespace, {"metadata": {"generateName": "Bad_"}})) == [
        "metadata.name"
    ]


def test_dotted_names_are_fine_for_subdomain_kinds(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "configmaps"), {"metadata": {"name": "a.b.c"}})
    assert created["metadata"]["name"] == "a.b.c"


def test_an_invalid_update_changes_nothing(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "configmaps"), {"metadata": {"name": "a"}})
    response = api.put(namespaced(namespace, "configmaps", "a"), json={**created, "extra": True})
    assert cause_fields(assert_status(response, 422, "Invalid")) == ["extra"]
    assert api.get(namespaced(namespace, "configmaps", "a")).json() == created


def test_an_invalid_namespace_update_changes_nothing(api: httpx.Client) -> None:
    created = create(api, f"{CORE}/namespaces", {"metadata": {"generateName": "inv-"}})
    name = created["metadata"]["name"]
    bad = {**created, "spec": {"finalizers": "not-a-list"}}
    response = api.put(f"{CORE}/namespaces/{name}", json=bad)
    assert cause_fields(assert_status(response, 422, "Invalid")) == ["spec.finalizers"]
    assert api.get(f"{CORE}/namespaces/{name}").json() == created
