"""Manifests: PUT, GET and HEAD by tag and by digest, and the checks a PUT passes."""

import json

import httpx
import pytest

from tests.support.images import (
    OCI_INDEX,
    OCI_MANIFEST,
    Image,
    digest_of,
    image,
    index,
    push_blob,
    push_image,
)
from tests.support.oci import assert_api_version, assert_oci_error, put_manifest, tags_of
from tests.support.trickle import framing, trickled


@pytest.fixture
def pushed(client: httpx.Client, repo: str) -> Image:
    img = image(layers=2, layer_size=256)
    assert push_image(client, repo, img, "v1").status_code == 201
    return img


def test_a_put_by_tag_answers_201_with_location_and_digest(client: httpx.Client, repo: str) -> None:
    img = image(layers=1, layer_size=128)
    response = push_image(client, repo, img, "v1")
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v2/{repo}/manifests/{img.digest}"
    assert response.headers["Docker-Content-Digest"] == img.digest
    assert "OCI-Subject" not in response.headers
    assert_api_version(response)


@pytest.mark.parametrize("by", ["tag", "digest"])
def test_a_manifest_is_served_byte_for_byte(
    client: httpx.Client, repo: str, pushed: Image, by: str
) -> None:
    reference = "v1" if by == "tag" else pushed.digest
    response = client.get(f"/v2/{repo}/manifests/{reference}", headers={"Accept": OCI_MANIFEST})
    assert response.status_code == 200
    assert response.content == pushed.manifest
    assert response.headers["Content-Type"] == OCI_MANIFEST
    assert response.headers["Docker-Content-Digest"] == pushed.digest
    assert response.headers["Content-Length"] == str(len(pushed.manifest))


@pytest.mark.parametrize("by", ["tag", "digest"])
def test_head_tells_type_size_and_digest_without_a_body(
    client: httpx.Client, repo: str, pushed: Image, by: str
) -> None:
    reference = "v1" if by == "tag" else pushed.digest
    response = client.head(f"/v2/{repo}/manifests/{reference}", headers={"Accept": OCI_MANIFEST})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Type"] == OCI_MANIFEST
    assert response.headers["Docker-Content-Digest"] == pushed.digest
    assert response.headers["Content-Length"] == str(len(pushed.manifest))


def test_a_put_by_digest_stores_the_manifest_without_a_tag(
    client: httpx.Client, repo: str, pushed: Image
) -> None:
    img = image(layers=1, layer_size=64)
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    response = put_manifest(client, repo, img.digest, img.manifest)
    assert response.status_code == 201
    assert response.headers["Docker-Content-Digest"] == img.digest
    assert client.get(f"/v2/{repo}/manifests/{img.digest}").content == img.manifest
    assert tags_of(client, repo) == ["v1"]


def test_a_put_by_digest_that_does_not_match_the_body_is_refused(
    client: httpx.Client, repo: str, pushed: Image
) -> None:
    img = image(layers=1, layer_size=64)
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    wrong = digest_of(b"not the manifest")
    assert_oci_error(put_manifest(client, repo, wrong, img.manifest), 400, "DIGEST_INVALID")
    assert_oci_error(client.get(f"/v2/{repo}/manifests/{wrong}"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(client.get(f"/v2/{repo}/manifests/{img.digest}"), 404, "MANIFEST_UNKNOWN")


def test_pushing_a_tag_again_moves_it(client: httpx.Client, repo: str, pushed: Image) -> None:
    newer = image(layers=1, layer_size=64)
    assert push_image(client, repo, newer, "v1").status_code == 201
    assert client.get(f"/v2/{repo}/manifests/v1").content == newer.manifest
    assert client.get(f"/v2/{repo}/manifests/{pushed.digest}").content == pushed.manifest


def test_an_unknown_tag_is_404_manifest_unknown(
    client: httpx.Client, repo: str, pushed: Image
) -> None:
    assert_oci_error(client.get(f"/v2/{repo}/manifests/v2"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(client.head(f"/v2/{repo}/manifests/v2"), 404, "MANIFEST_UNKNOWN")
    missing = digest_of(b"missing")
    assert_oci_error(client.get(f"/v2/{repo}/manifests/{missing}"), 404, "MANIFEST_UNKNOWN")


def test_a_manifest_of_an_unknown_repository_is_404_name_unknown(
    client: httpx.Client, repo: str
) -> None:
    assert_oci_error(client.get(f"/v2/{repo}/manifests/v1"), 404, "NAME_UNKNOWN")
    assert_oci_error(client.head(f"/v2/{repo}/manifests/v1"), 404, "NAME_UNKNOWN")


def test_a_subject_not_pushed_yet_is_accepted_and_echoed_in_oci_subject(
    client: httpx.Client, repo: str
) -> None:
    from tests.support.images import artifact

    absent = image(layers=1, layer_size=32)
    referrer = artifact(subject=absent.manifest, artifact_type="application/vnd.example.sig")
    for blob in referrer.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    response = put_manifest(client, repo, referrer.digest, referrer.manifest)
    assert response.status_code == 201
    assert response.headers["OCI-Subject"] == absent.digest


def test_an_index_is_stored_over_its_child_manifests(client: httpx.Client, repo: str) -> None:
    children = [image(layers=1, layer_size=64, arch=arch) for arch in ("amd64", "arm64")]
    for number, child in enumerate(children):
        assert push_image(client, repo, child, f"child{number}").status_code == 201
    body = index(children)
    response = put_manifest(client, repo, "multi", body, OCI_INDEX)
    assert response.status_code == 201
    got = client.get(f"/v2/{repo}/manifests/multi", headers={"Accept": OCI_INDEX})
    assert got.content == body
    assert got.headers["Content-Type"] == OCI_INDEX


def test_a_manifest_of_almost_4_mib_is_accepted(client: httpx.Client, repo: str) -> None:
    img = image(layers=1, layer_size=64)
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    doc = json.loads(img.manifest)
    doc["annotations"] = {"padding": "x" * (4 * 1024 * 1024 - len(img.manifest) - 100)}
    body = json.dumps(doc).encode()
    assert len(body) <= 4 * 1024 * 1024
    assert put_manifest(client, repo, "big", body).status_code == 201
    assert client.get(f"/v2/{repo}/manifests/big").content == body


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_manifest_that_arrives_in_pieces_is_stored_whole(
    client: httpx.Client, repo: str, declared: bool
) -> None:
    img = image(layers=1, layer_size=64)
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    doc = json.loads(img.manifest)
    doc["annotations"] = {"padding": "x" * 600_000}
    body = json.dumps(doc).encode()
    response = client.put(
        f"/v2/{repo}/manifests/slow",
        content=trickled(body),
        headers={"Content-Type": OCI_MANIFEST, **framing(body, declared)},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Docker-Content-Digest"] == digest_of(body)
    stored = client.get(f"/v2/{repo}/manifests/slow")
    assert stored.content == body
    assert stored.headers["Docker-Content-Digest"] == digest_of(body)


def test_a_manifest_whose_media_type_is_only_in_the_body_is_accepted_as_generic_json(
    client: httpx.Client, repo: str
) -> None:
    img = image(layers=1, layer_size=64)
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    response = put_manifest(client, repo, "v1", img.manifest, "application/json")
    assert response.status_code == 201
    got = client.get(f"/v2/{repo}/manifests/v1")
    assert got.headers["Content-Type"] == OCI_MANIFEST
