"""Tag lists and the catalog, with n/last pagination and Link headers; tag deletion."""

import httpx
import pytest

from tests.support.images import Image, image, push_image
from tests.support.oci import assert_api_version, assert_oci_error, put_manifest, tags_of
from tests.support.server import RunningServer

TAGS = ["a", "b", "c", "d", "e"]


@pytest.fixture
def tagged(client: httpx.Client, repo: str) -> Image:
    img = image(layers=1, layer_size=64)
    assert push_image(client, repo, img, "e").status_code == 201
    for tag in reversed(TAGS[:-1]):
        assert put_manifest(client, repo, tag, img.manifest).status_code == 201
    return img


def next_link(response: httpx.Response) -> str | None:
    link = response.headers.get("Link")
    if link is None:
        return None
    target, rel = link.split(";")
    assert rel.strip() == 'rel="next"'
    assert target.startswith("<") and target.endswith(">")
    return target[1:-1]


def test_tags_are_listed_in_lexical_order(client: httpx.Client, repo: str, tagged: Image) -> None:
    response = client.get(f"/v2/{repo}/tags/list")
    assert response.status_code == 200
    assert response.json() == {"name": repo, "tags": TAGS}
    assert "Link" not in response.headers
    assert_api_version(response)


def test_tags_page_through_link_headers(client: httpx.Client, repo: str, tagged: Image) -> None:
    first = client.get(f"/v2/{repo}/tags/list", params={"n": 2})
    assert first.json()["tags"] == ["a", "b"]
    assert next_link(first) == f"/v2/{repo}/tags/list?n=2&last=b"
    second = client.get(next_link(first) or "")
    assert second.json()["tags"] == ["c", "d"]
    third = client.get(next_link(second) or "")
    assert third.json()["tags"] == ["e"]
    assert next_link(third) is None


def test_a_page_that_ends_exactly_at_the_last_tag_has_no_link(
    client: httpx.Client, repo: str, tagged: Image
) -> None:
    response = client.get(f"/v2/{repo}/tags/list", params={"n": 5})
    assert response.json()["tags"] == TAGS
    assert next_link(response) is None


def test_last_alone_lists_the_tags_after_it(client: httpx.Client, repo: str, tagged: Image) -> None:
    response = client.get(f"/v2/{repo}/tags/list", params={"last": "c"})
    assert response.json()["tags"] == ["d", "e"]


def test_n_zero_is_an_empty_list_without_link(
    client: httpx.Client, repo: str, tagged: Image
) -> None:
    response = client.get(f"/v2/{repo}/tags/list", params={"n": 0})
    assert response.status_code == 200
    assert response.json()["tags"] == []
    assert "Link" not in response.headers


@pytest.mark.parametrize("n", ["abc", "-1", "1.5", "10001", ""])
def test_a_bad_n_is_refused(client: httpx.Client, repo: str, tagged: Image, n: str) -> None:
    response = client.get(f"/v2/{repo}/tags/list", params={"n": n})
    assert_oci_error(response, 400, "PAGINATION_NUMBER_INVALID")


def test_tags_of_an_unknown_repository_is_404_name_unknown(client: httpx.Client, repo: str) -> None:
    assert_oci_error(client.get(f"/v2/{repo}/tags/list"), 404, "NAME_UNKNOWN")


def test_deleting_a_tag_removes_only_that_tag(
    client: httpx.Client, repo: str, tagged: Image
) -> None:
    response = client.delete(f"/v2/{repo}/manifests/b")
    assert response.status_code == 202
    assert tags_of(client, repo) == ["a", "c", "d", "e"]
    assert_oci_error(client.get(f"/v2/{repo}/manifests/b"), 404, "MANIFEST_UNKNOWN")
    assert client.get(f"/v2/{repo}/manifests/{tagged.digest}").status_code == 200


def test_deleting_by_digest_removes_the_manifest_and_every_tag_on_it(
    client: httpx.Client, repo: str, tagged: Image
) -> None:
    other = image(layers=1, layer_size=64)
    assert push_image(client, repo, other, "other").status_code == 201
    assert client.delete(f"/v2/{repo}/manifests/{tagged.digest}").status_code == 202
    assert tags_of(client, repo) == ["other"]
    for reference in (tagged.digest, "a"):
        assert_oci_error(client.get(f"/v2/{repo}/manifests/{reference}"), 404, "MANIFEST_UNKNOWN")


def test_deleting_an_unknown_tag_or_manifest_is_404_manifest_unknown(
    client: httpx.Client, repo: str, tagged: Image
) -> None:
    missing = image(layers=1, layer_size=8).digest
    assert_oci_error(client.delete(f"/v2/{repo}/manifests/zzz"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(client.delete(f"/v2/{repo}/manifests/{missing}"), 404, "MANIFEST_UNKNOWN")
    assert tags_of(client, repo) == TAGS


def test_deleting_in_an_unknown_repository_is_404_name_unknown(
    client: httpx.Client, repo: str
) -> None:
    missing = image(layers=1, layer_size=8).digest
    assert_oci_error(client.delete(f"/v2/{repo}/manifests/v1"), 404, "NAME_UNKNOWN")
    assert_oci_error(client.delete(f"/v2/{repo}/manifests/{missing}"), 404, "NAME_UNKNOWN")


# The catalog spans the registry, so these tests get a registry of their own.


@pytest.fixture
def repositories(server: RunningServer, http: httpx.Client) -> list[str]:
    server.create_projects("apps", "tools")
    names = ["apps/web", "proj/a", "proj/b", "tools/x"]
    img = image(layers=1, layer_size=32)
    for name in names:
        assert push_image(http, name, img, "v1").status_code == 201
    return names


def test_the_catalog_lists_every_repository_in_order(
    http: httpx.Client, repositories: list[str]
) -> None:
    response = http.get("/v2/_catalog")
    assert response.status_code == 200
    assert response.json() == {"repositories": repositories}
    assert "Link" not in response.headers


def test_the_catalog_pages_through_link_headers(
    http: httpx.Client, repositories: list[str]
) -> None:
    first = http.get("/v2/_catalog", params={"n": 3})
    assert first.json()["repositories"] == repositories[:3]
    link = next_link(first)
    assert link == "/v2/_catalog?n=3&last=proj/b"
    second = http.get(link)
    assert second.json()["repositories"] == repositories[3:]
    assert next_link(second) is None


def test_the_catalog_refuses_a_bad_n(http: httpx.Client) -> None:
    assert_oci_error(http.get("/v2/_catalog", params={"n": "x"}), 400, "PAGINATION_NUMBER_INVALID")
