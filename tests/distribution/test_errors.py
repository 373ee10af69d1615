"""Input checks: names, tags, digests, headers. Each refusal is an OCI error body."""

import httpx
import pytest

from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.oci import assert_oci_error, put_manifest, raw_request, tags_of
from tests.support.server import RunningServer

GOOD = digest_of(b"x")

INVALID_NAMES = [
    "Proj/app",
    "proj/App",
    "a..b",
    "proj/-app",
    "proj/app-",
    "proj//app",
    "proj/a_._b",
    "a" * 256,
    "/".join(["abcdefgh"] * 29),  # 260 characters
]

ENDPOINTS = [
    ("GET", "/v2/{name}/tags/list"),
    ("GET", "/v2/{name}/manifests/v1"),
    ("HEAD", "/v2/{name}/manifests/v1"),
    ("PUT", "/v2/{name}/manifests/v1"),
    ("DELETE", "/v2/{name}/manifests/v1"),
    ("GET", "/v2/{name}/blobs/" + GOOD),
    ("HEAD", "/v2/{name}/blobs/" + GOOD),
    ("DELETE", "/v2/{name}/blobs/" + GOOD),
    ("POST", "/v2/{name}/blobs/uploads/"),
    ("GET", "/v2/{name}/referrers/" + GOOD),
]


@pytest.mark.parametrize("name", INVALID_NAMES)
@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_an_invalid_repository_name_is_400_name_invalid(
    client: httpx.Client, name: str, method: str, path: str
) -> None:
    response = client.request(method, path.format(name=name), content=b"{}")
    assert_oci_error(response, 400, "NAME_INVALID")


def test_a_name_with_a_dot_dot_segment_is_400_name_invalid(registry: RunningServer) -> None:
    response = raw_request(registry.url, "GET", "/v2/proj/../app/tags/list")
    assert response.status == 400
    assert response.headers["docker-distribution-api-version"] == "registry/2.0"
    assert response.json() == {
        "errors": [{"code": "NAME_INVALID", "message": "invalid repository name 'proj/../app'"}]
    }


def test_a_name_of_255_characters_is_accepted(
    registry: RunningServer, client: httpx.Client
) -> None:
    project = "a" * 63  # the longest project name (a DNS label)
    registry.create_projects(project)
    name = f"{project}/{'b' * 191}"
    assert len(name) == 255
    assert push_blob(client, name, b"long").status_code == 201


def test_a_blob_pushed_to_an_invalid_name_is_not_stored(client: httpx.Client) -> None:
    response = push_blob(client, "Bad/Name", b"data")
    assert_oci_error(response, 400, "NAME_INVALID")


INVALID_TAGS = ["-lead", ".lead", ".INVALID_MANIFEST_NAME", "t" * 129, "with+plus", "ümlaut"]


@pytest.mark.parametrize("tag", INVALID_TAGS)
def test_pushing_an_invalid_tag_is_400_tag_invalid(
    client: httpx.Client, repo: str, tag: str
) -> None:
    img = image(layers=1, layer_size=32)
    assert push_image(client, repo, img, "v1").status_code == 201
    assert_oci_error(put_manifest(client, repo, tag, img.manifest), 400, "TAG_INVALID")
    assert tags_of(client, repo) == ["v1"]


@pytest.mark.parametrize("tag", INVALID_TAGS)
def test_an_invalid_tag_names_no_manifest_404_manifest_unknown(
    client: httpx.Client, repo: str, tag: str
) -> None:
    """No manifest can be tagged so: the OCI conformance suite looks one up and expects 404."""
    assert push_image(client, repo, image(layers=1, layer_size=32), "v1").status_code == 201
    for method in ("GET", "HEAD", "DELETE"):
        response = client.request(method, f"/v2/{repo}/manifests/{tag}")
        assert_oci_error(response, 404, "MANIFEST_UNKNOWN")
    assert tags_of(client, repo) == ["v1"]


def test_a_tag_of_128_characters_is_accepted(client: httpx.Client, repo: str) -> None:
    tag = "T" + "t" * 127
    assert push_image(client, repo, image(layers=1, layer_size=32), tag).status_code == 201
    assert tags_of(client, repo) == [tag]


INVALID_DIGESTS = [
    "md5:" + "0" * 32,
    "sha256:" + "0" * 63,
    "sha256:" + "0" * 65,
    "sha256:" + "A" * 64,
    "sha512:" + "0" * 64,
    "sha256:" + "g" * 64,
    "sha256:",
]


@pytest.mark.parametrize("digest", INVALID_DIGESTS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v2/{repo}/blobs/{digest}"),
        ("HEAD", "/v2/{repo}/blobs/{digest}"),
        ("DELETE", "/v2/{repo}/blobs/{digest}"),
        ("GET", "/v2/{repo}/manifests/{digest}"),
        ("HEAD", "/v2/{repo}/manifests/{digest}"),
        ("DELETE", "/v2/{repo}/manifests/{digest}"),
        ("PUT", "/v2/{repo}/manifests/{digest}"),
        ("POST", "/v2/{repo}/blobs/uploads/?digest={digest}"),
    ],
)
def test_a_malformed_digest_is_400_digest_invalid(
    client: httpx.Client, repo: str, digest: str, method: str, path: str
) -> None:
    assert push_blob(client, repo, b"x").status_code == 201
    response = client.request(method, path.format(repo=repo, digest=digest), content=b"x")
    assert_oci_error(response, 400, "DIGEST_INVALID")


@pytest.mark.parametrize("digest", INVALID_DIGESTS)
def test_closing_an_upload_with_a_malformed_digest_is_refused_and_keeps_it_open(
    client: httpx.Client, repo: str, digest: str
) -> None:
    location = client.post(f"/v2/{repo}/blobs/uploads/").headers["Location"]
    response = client.put(location, params={"digest": digest}, content=b"abc")
    assert_oci_error(response, 400, "DIGEST_INVALID")
    assert client.get(location).status_code == 204


def test_a_non_numeric_content_length_is_400(registry: RunningServer, repo: str) -> None:
    response = raw_request(
        registry.url,
        "PATCH",
        f"/v2/{repo}/blobs/uploads/whatever",
        headers={"Content-Length": "ten"},
        body=b"0123456789",
    )
    assert response.status == 400


def test_errors_carry_code_message_and_detail_only(client: httpx.Client, repo: str) -> None:
    assert push_image(client, repo, image(layers=1, layer_size=32), "v1").status_code == 201
    response = client.get(f"/v2/{repo}/manifests/v2")
    [error] = response.json()["errors"]
    assert error["code"] == "MANIFEST_UNKNOWN"
    assert error["message"]


def test_a_name_ending_in_an_encoded_newline_is_400_name_invalid(client: httpx.Client) -> None:
    assert_oci_error(client.get("/v2/proj/app%0A/tags/list"), 400, "NAME_INVALID")
    assert_oci_error(push_blob(client, "proj/app%0A", b"x"), 400, "NAME_INVALID")


def test_a_tag_ending_in_an_encoded_newline_is_400_tag_invalid(
    client: httpx.Client, repo: str
) -> None:
    img = image(layers=1, layer_size=32)
    assert push_image(client, repo, img, "v1").status_code == 201
    assert_oci_error(put_manifest(client, repo, "v2%0A", img.manifest), 400, "TAG_INVALID")
    assert tags_of(client, repo) == ["v1"]
