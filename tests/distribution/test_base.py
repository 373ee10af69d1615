"""GET /v2/, unknown endpoints, and the headers every response carries."""

import httpx
import pytest

from tests.support.images import digest_of, image, push_image
from tests.support.oci import assert_api_version, assert_oci_error

MISSING = digest_of(b"never pushed")


def test_the_base_endpoint_answers_200_with_an_empty_json_object(client: httpx.Client) -> None:
    response = client.get("/v2/")
    assert response.status_code == 200
    assert response.json() == {}
    assert_api_version(response)


def test_the_base_endpoint_answers_head_too(client: httpx.Client) -> None:
    response = client.head("/v2/")
    assert response.status_code == 200
    assert_api_version(response)


def test_an_unknown_endpoint_is_404_in_the_oci_error_format(client: httpx.Client) -> None:
    assert_oci_error(client.get("/v2/no/such/endpoint"), 404, "NAME_UNKNOWN")


def test_a_method_the_endpoint_lacks_is_405_unsupported(client: httpx.Client, repo: str) -> None:
    assert_oci_error(client.post(f"/v2/{repo}/manifests/v1"), 405, "UNSUPPORTED")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/"),
        ("GET", "/v2/{repo}/tags/list"),
        ("GET", "/v2/{repo}/manifests/v1"),
        ("HEAD", "/v2/{repo}/manifests/v1"),
        ("GET", "/v2/{repo}/manifests/nope"),
        ("HEAD", "/v2/{repo}/manifests/nope"),
        ("GET", "/v2/{repo}/blobs/{missing}"),
        ("HEAD", "/v2/{repo}/blobs/{missing}"),
        ("GET", "/v2/{repo}/referrers/{missing}"),
        ("POST", "/v2/{repo}/blobs/uploads/"),
        ("GET", "/v2/{repo}/blobs/uploads/forged"),
        ("GET", "/v2/_catalog"),
        ("GET", "/v2/Invalid/tags/list"),
        ("DELETE", "/v2/{repo}/manifests/nope"),
        ("PUT", "/v2/{repo}/manifests/v2"),
    ],
)
def test_every_response_names_the_api_version(
    client: httpx.Client, repo: str, method: str, path: str
) -> None:
    assert push_image(client, repo, image(layers=1, layer_size=64), "v1").status_code == 201
    url = path.format(repo=repo, missing=MISSING)
    response = client.request(method, url, content=b"{" if method == "PUT" else None)
    assert_api_version(response)
