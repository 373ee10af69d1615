"""limit and continue: a list in pages, each ending with a token for the next."""

import httpx
import pytest

from tests.support.k8s import Object, assert_status, configmap, create, namespaced


@pytest.fixture
def seven(api: httpx.Client, namespace: str) -> str:
    for index in range(7):
        create(api, namespaced(namespace, "configmaps"), configmap(f"cm-{index}"))
    return namespace


def page(api: httpx.Client, namespace: str, **params: str) -> Object:
    response = api.get(namespaced(namespace, "configmaps"), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def item_names(body: Object) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


def test_limit_and_continue_walk_every_object_once_in_three_pages(
    api: httpx.Client, seven: str
) -> None:
    first = page(api, seven, limit="3")
    assert item_names(first) == ["cm-0", "cm-1", "cm-2"]
    second = page(api, seven, limit="3", **{"continue": first["metadata"]["continue"]})
    assert item_names(second) == ["cm-3", "cm-4", "cm-5"]
    third = page(api, seven, limit="3", **{"continue": second["metadata"]["continue"]})
    assert item_names(third) == ["cm-6"]
    assert "continue" not in third["metadata"]


def test_a_page_that_reaches_the_end_has_no_continue(api: httpx.Client, seven: str) -> None:
    assert "continue" not in page(api, seven, limit="7")["metadata"]
    assert len(page(api, seven, limit="100")["items"]) == 7
    assert len(page(api, seven)["items"]) == 7


def test_objects_created_between_pages_after_the_cursor_are_seen(
    api: httpx.Client, seven: str
) -> None:
    first = page(api, seven, limit="4")
    create(api, namespaced(seven, "configmaps"), configmap("cm-9"))
    rest = page(api, seven, limit="10", **{"continue": first["metadata"]["continue"]})
    assert item_names(rest) == ["cm-4", "cm-5", "cm-6", "cm-9"]


@pytest.mark.parametrize("limit", ["-1", "ten"])
def test_a_bad_limit_is_a_bad_request(api: httpx.Client, seven: str, limit: str) -> None:
    response = api.get(namespaced(seven, "configmaps"), params={"limit": limit})
    assert_status(response, 400, "BadRequest")


def test_a_forged_continue_token_is_a_bad_request(api: httpx.Client, seven: str) -> None:
    response = api.get(namespaced(seven, "configmaps"), params={"continue": "not-a-token!"})
    assert_status(response, 400, "BadRequest")
