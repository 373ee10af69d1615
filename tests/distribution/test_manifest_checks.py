"""What a manifest PUT refuses, and that a refused PUT changes nothing."""

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.support.images import (
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    Image,
    digest_of,
    image,
    index,
    push_blob,
    push_image,
)
from tests.support.oci import assert_oci_error, put_manifest, raw_request, tags_of
from tests.support.registry_auth import Account
from tests.support.server import RunningServer


@pytest.fixture
def unchanged(client: httpx.Client, repo: str) -> Iterator[None]:
    """The repository holds a tag `v1`; after the test, its tags and that image are as before."""
    img = image(layers=1, layer_size=64)
    assert push_image(client, repo, img, "v1").status_code == 201
    yield
    assert tags_of(client, repo) == ["v1"]
    assert client.get(f"/v2/{repo}/manifests/v1").content == img.manifest


def with_blobs(client: httpx.Client, repo: str, img: Image) -> Image:
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    return img


def edited(img: Image, **changes: object) -> bytes:
    doc = json.loads(img.manifest)
    doc.update(changes)
    return json.dumps(doc).encode()


def test_a_manifest_referencing_a_blob_not_in_the_repository_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = image(layers=2, layer_size=64)
    assert push_blob(client, repo, img.config).status_code == 201
    assert push_blob(client, repo, img.layers[0]).status_code == 201
    response = put_manifest(client, repo, "v2", img.manifest)
    assert_oci_error(response, 400, "MANIFEST_BLOB_UNKNOWN")
    assert_oci_error(client.get(f"/v2/{repo}/manifests/{img.digest}"), 404, "MANIFEST_UNKNOWN")


def test_a_manifest_whose_config_is_missing_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = image(layers=1, layer_size=64)
    assert push_blob(client, repo, img.layers[0]).status_code == 201
    assert_oci_error(put_manifest(client, repo, "v2", img.manifest), 400, "MANIFEST_BLOB_UNKNOWN")


def test_an_index_whose_child_manifest_is_missing_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    child = with_blobs(client, repo, image(layers=1, layer_size=64))
    body = index([child])
    response = put_manifest(client, repo, "v2", body, OCI_INDEX)
    assert_oci_error(response, 400, "MANIFEST_BLOB_UNKNOWN")


def test_a_descriptor_size_that_differs_from_the_blob_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    doc = json.loads(img.manifest)
    doc["layers"][0]["size"] += 1
    body = json.dumps(doc).encode()
    assert_oci_error(put_manifest(client, repo, "v2", body), 400, "MANIFEST_INVALID")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"schemaVersion": 2', b"\xff\xfe"],
    ids=["text", "array", "truncated", "binary"],
)
def test_a_body_that_is_not_a_json_object_is_refused(
    client: httpx.Client, repo: str, unchanged: None, body: bytes
) -> None:
    assert_oci_error(put_manifest(client, repo, "v2", body), 400, "MANIFEST_INVALID")


def test_a_media_type_that_contradicts_content_type_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    response = put_manifest(client, repo, "v2", img.manifest, DOCKER_MANIFEST)
    assert_oci_error(response, 400, "MANIFEST_INVALID")


def test_an_image_manifest_sent_as_an_index_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    body = edited(img, mediaType=None)
    doc = json.loads(body)
    del doc["mediaType"]
    response = put_manifest(client, repo, "v2", json.dumps(doc).encode(), OCI_INDEX)
    assert_oci_error(response, 400, "MANIFEST_INVALID")


def test_an_unsupported_content_type_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    doc = json.loads(img.manifest)
    del doc["mediaType"]
    body = json.dumps(doc).encode()
    assert_oci_error(put_manifest(client, repo, "v2", body, "text/plain"), 400, "MANIFEST_INVALID")


@pytest.mark.parametrize(
    "changes",
    [
        {"schemaVersion": 1},
        {"layers": "none"},
        {"config": "none"},
        {"config": {"mediaType": "x", "size": -1, "digest": "sha256:" + "0" * 64}},
        {"config": {"mediaType": "x", "size": 1, "digest": "sha256:abc"}},
        {"annotations": {"k": 1}},
    ],
    ids=[
        "schema-1",
        "layers-not-list",
        "config-not-object",
        "negative-size",
        "bad-digest",
        "annotation-not-string",
    ],
)
def test_a_structurally_invalid_manifest_is_refused(
    client: httpx.Client, repo: str, unchanged: None, changes: dict[str, object]
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    assert_oci_error(
        put_manifest(client, repo, "v2", edited(img, **changes)), 400, "MANIFEST_INVALID"
    )


def test_a_manifest_over_4_mib_is_refused_with_413(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    body = edited(img, annotations={"padding": "x" * (4 * 1024 * 1024)})
    assert_oci_error(put_manifest(client, repo, "v2", body), 413, "MANIFEST_INVALID")


def test_a_streamed_manifest_over_4_mib_is_refused_with_413(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b" " * (1024 * 1024)

    response = client.put(
        f"/v2/{repo}/manifests/v2", content=chunks(), headers={"Content-Type": OCI_MANIFEST}
    )
    assert_oci_error(response, 413, "MANIFEST_INVALID")


def test_a_declared_length_over_4_mib_is_refused_before_the_body_is_sent(
    registry: RunningServer, repo: str, unchanged: None
) -> None:
    path = f"/v2/{repo}/manifests/v2"
    headers = {
        **Account(*registry.registry_auth).authorization,
        "Content-Type": OCI_MANIFEST,
        "Content-Length": str(4 * 1024 * 1024 + 1),
    }
    # Only the head is sent: the answer cannot wait for a body that never comes.
    answer = raw_request(registry.url, "PUT", path, headers)
    response = httpx.Response(
        answer.status,
        headers=answer.headers,
        content=answer.body,
        request=httpx.Request("PUT", registry.url + path),
    )
    assert_oci_error(response, 413, "MANIFEST_INVALID")


def test_a_docker_manifest_without_layers_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64, docker=True))
    body = edited(img, layers=[])
    assert_oci_error(
        put_manifest(client, repo, "v2", body, DOCKER_MANIFEST), 400, "MANIFEST_INVALID"
    )


def test_a_refused_put_in_a_new_repository_leaves_it_unknown(
    client: httpx.Client, repo: str
) -> None:
    assert_oci_error(put_manifest(client, repo, "v1", b"{}"), 400, "MANIFEST_INVALID")
    img = image(layers=1, layer_size=64)
    assert_oci_error(put_manifest(client, repo, "v1", img.manifest), 400, "MANIFEST_BLOB_UNKNOWN")
    assert tags_of(client, repo) is None
    assert_oci_error(client.get(f"/v2/{repo}/manifests/v1"), 404, "NAME_UNKNOWN")


# A manifest over a few KiB is checked in a thread, to the same verdicts as a small one.
LARGE_PADDING = {"padding": "x" * (64 * 1024)}


def test_a_large_manifest_is_stored_by_digest_and_by_tag(client: httpx.Client, repo: str) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    body = edited(img, annotations=LARGE_PADDING)
    digest = digest_of(body)
    response = put_manifest(client, repo, digest, body)
    assert response.status_code == 201
    assert response.headers["Docker-Content-Digest"] == digest
    assert put_manifest(client, repo, "big", body).headers["Docker-Content-Digest"] == digest
    assert client.get(f"/v2/{repo}/manifests/big").content == body


def test_a_large_manifest_that_does_not_match_its_digest_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    body = edited(img, annotations=LARGE_PADDING)
    wrong = digest_of(b"not the manifest")
    assert_oci_error(put_manifest(client, repo, wrong, body), 400, "DIGEST_INVALID")


def test_a_large_structurally_invalid_manifest_is_refused(
    client: httpx.Client, repo: str, unchanged: None
) -> None:
    img = with_blobs(client, repo, image(layers=1, layer_size=64))
    body = edited(img, annotations=LARGE_PADDING, layers="not a list")
    assert_oci_error(put_manifest(client, repo, "v2", body), 400, "MANIFEST_INVALID")
