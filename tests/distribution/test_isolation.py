"""A repository serves only blobs pushed or mounted into it, and only its own manifests."""

import os
from collections.abc import Callable

import httpx

from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.oci import assert_oci_error, put_manifest


def test_a_blob_pushed_to_one_repository_is_unknown_through_another(
    client: httpx.Client, new_repo: Callable[[], str]
) -> None:
    a, b = new_repo(), new_repo()
    data = os.urandom(256)
    assert push_blob(client, a, data).status_code == 201
    url = f"/v2/{b}/blobs/{digest_of(data)}"
    assert_oci_error(client.get(url), 404, "BLOB_UNKNOWN")
    assert_oci_error(client.head(url), 404, "BLOB_UNKNOWN")
    assert_oci_error(client.get(url, headers={"Range": "bytes=0-9"}), 404, "BLOB_UNKNOWN")
    assert_oci_error(client.delete(url), 404, "BLOB_UNKNOWN")
    assert client.get(f"/v2/{a}/blobs/{digest_of(data)}").content == data


def test_a_mounted_blob_is_served_by_the_repository_it_was_mounted_into(
    client: httpx.Client, new_repo: Callable[[], str]
) -> None:
    a, b = new_repo(), new_repo()
    data = os.urandom(256)
    assert push_blob(client, a, data).status_code == 201
    mounted = client.post(f"/v2/{b}/blobs/uploads/", params={"mount": digest_of(data), "from": a})
    assert mounted.status_code == 201
    assert client.get(f"/v2/{b}/blobs/{digest_of(data)}").content == data


def test_a_manifest_cannot_reference_a_blob_only_another_repository_has(
    client: httpx.Client, new_repo: Callable[[], str]
) -> None:
    a, b = new_repo(), new_repo()
    img = image(layers=1, layer_size=64)
    assert push_image(client, a, img, "v1").status_code == 201
    assert_oci_error(put_manifest(client, b, "v1", img.manifest), 400, "MANIFEST_BLOB_UNKNOWN")
    assert_oci_error(client.get(f"/v2/{b}/manifests/{img.digest}"), 404, "NAME_UNKNOWN")


def test_pushing_the_same_blob_again_makes_it_available_to_a_second_repository(
    client: httpx.Client, new_repo: Callable[[], str]
) -> None:
    a, b = new_repo(), new_repo()
    img = image(layers=1, layer_size=64)
    assert push_image(client, a, img, "v1").status_code == 201
    assert push_image(client, b, img, "v1").status_code == 201
    assert client.get(f"/v2/{b}/manifests/v1").content == img.manifest


def test_a_manifest_is_unknown_in_a_repository_it_was_not_pushed_to(
    client: httpx.Client, new_repo: Callable[[], str]
) -> None:
    a, b = new_repo(), new_repo()
    assert push_image(client, a, image(layers=1, layer_size=64), "v1").status_code == 201
    other = image(layers=1, layer_size=64)
    assert push_image(client, b, other, "v1").status_code == 201
    first = client.get(f"/v2/{a}/manifests/v1").headers["Docker-Content-Digest"]
    assert_oci_error(client.get(f"/v2/{b}/manifests/{first}"), 404, "MANIFEST_UNKNOWN")
    assert_oci_error(client.delete(f"/v2/{b}/manifests/{first}"), 404, "MANIFEST_UNKNOWN")
    assert client.get(f"/v2/{a}/manifests/{first}").status_code == 200
