"""Label selectors (=, ==, !=, in, notin, exists, !exists) and field selectors on list."""

import httpx
import pytest

from tests.support.k8s import CORE, assert_status, configmap, create, create_namespace, namespaced

LABELS = {
    "web": {"tier": "web", "env": "prod"},
    "api": {"tier": "api", "env": "prod"},
    "db": {"tier": "db", "env": "dev"},
    "plain": {},
}


@pytest.fixture
def labelled(api: httpx.Client, namespace: str) -> str:
    for name, labels in LABELS.items():
        create(api, namespaced(namespace, "configmaps"), configmap(name, labels=labels))
    return namespace


def names(api: httpx.Client, path: str, **params: str) -> list[str]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return sorted(item["metadata"]["name"] for item in response.json()["items"])


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=web", ["web"]),
        ("tier==web", ["web"]),
        ("tier!=web", ["api", "db", "plain"]),
        ("env=prod,tier!=api", ["web"]),
        ("tier in (web, db)", ["db", "web"]),
        ("tier notin (web,db)", ["api", "plain"]),
        ("env in (prod),tier in (api,db)", ["api"]),
        ("tier", ["api", "db", "web"]),
        ("!tier", ["plain"]),
        ("tier=nothing", []),
    ],
)
def test_label_selector_filters_the_list(
    api: httpx.Client, labelled: str, selector: str, expected: list[str]
) -> None:
    assert names(api, namespaced(labelled, "configmaps"), labelSelector=selector) == expected


def test_field_selector_on_name(api: httpx.Client, labelled: str) -> None:
    path = namespaced(labelled, "configmaps")
    assert names(api, path, fieldSelector="metadata.name=db") == ["db"]
    assert names(api, path, fieldSelector="metadata.name!=db") == ["api", "plain", "web"]


def test_field_selector_on_namespace_across_namespaces(api: httpx.Client, labelled: str) -> None:
    other = create_namespace(api)
    create(api, namespaced(other, "configmaps"), configmap("web", labels={"tier": "web"}))
    everywhere = api.get(
        f"{CORE}/configmaps", params={"fieldSelector": f"metadata.namespace={labelled}"}
    ).json()["items"]
    assert {i["metadata"]["namespace"] for i in everywhere} == {labelled}
    assert len(everywhere) == len(LABELS)


def test_label_and_field_selectors_combine(api: httpx.Client, labelled: str) -> None:
    found = names(
        api,
        namespaced(labelled, "configmaps"),
        labelSelector="env=prod",
        fieldSelector="metadata.name!=web",
    )
    assert found == ["api"]


def test_label_selector_on_a_cluster_scoped_kind(api: httpx.Client) -> None:
    marker = create_namespace(api)  # a value no other test's namespace carries
    first = create_namespace(api, selected_by=marker)
    second = create_namespace(api, selected_by=marker)
    assert names(api, f"{CORE}/namespaces", labelSelector=f"selected_by={marker}") == sorted(
        [first, second]
    )


@pytest.mark.parametrize("selector", ["a b c", "tier in web", "=web"])
def test_an_unparseable_label_selector_is_a_bad_request(
    api: httpx.Client, labelled: str, selector: str
) -> None:
    response = api.get(namespaced(labelled, "configmaps"), params={"labelSelector": selector})
    assert_status(response, 400, "BadRequest")


def test_an_unsupported_field_is_a_bad_request(api: httpx.Client, labelled: str) -> None:
    response = api.get(namespaced(labelled, "configmaps"), params={"fieldSelector": "data.k=v"})
    status = assert_status(response, 400, "BadRequest")
    assert "data.k" in status["message"]


def test_an_unsupported_field_is_refused_even_when_nothing_would_match(
    api: httpx.Client, namespace: str
) -> None:
    response = api.get(namespaced(namespace, "configmaps"), params={"fieldSelector": "data.k=v"})
    assert_status(response, 400, "BadRequest")
