"""Cross-repository mounts: POST ?mount=<digest>&from=<repository>."""

import os
from collections.abc import Callable

import httpx

from tests.support.images import digest_of, push_blob
from tests.support.oci import assert_oci_error, blob_exists, close_upload


def mount(client: httpx.Client, target: str, digest: str, source: str) -> httpx.Response:
    return client.post(f"/v2/{target}/blobs/uploads/", params={"mount": digest, "from": source})


def test_a_blob_the_source_has_is_mounted_with_201(
    client: httpx.Client, repo: str, new_repo: Callable[[], str]
) -> None:
    data = os.urandom(500)
    assert push_blob(client, repo, data).status_code == 201
    target = new_repo()
    response = mount(client, target, digest_of(data), repo)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v2/{target}/blobs/{digest_of(data)}"
    assert response.headers["Docker-Content-Digest"] == digest_of(data)
    assert client.get(f"/v2/{target}/blobs/{digest_of(data)}").content == data


def test_a_blob_the_source_lacks_starts_an_upload_instead(
    client: httpx.Client, repo: str, new_repo: Callable[[], str]
) -> None:
    data = os.urandom(500)
    target = new_repo()
    response = mount(client, target, digest_of(data), repo)
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(f"/v2/{target}/blobs/uploads/")
    assert not blob_exists(client, target, data)
    # The fallback session is a working upload.
    assert close_upload(client, location, digest_of(data), data).status_code == 201
    assert blob_exists(client, target, data)


def test_a_blob_from_an_unknown_repository_starts_an_upload(
    client: httpx.Client, repo: str, new_repo: Callable[[], str]
) -> None:
    assert mount(client, repo, digest_of(b"x"), new_repo()).status_code == 202


def test_a_mount_without_from_starts_an_upload(client: httpx.Client, repo: str) -> None:
    data = os.urandom(10)
    assert push_blob(client, repo, data).status_code == 201
    response = client.post(f"/v2/{repo}/blobs/uploads/", params={"mount": digest_of(data)})
    assert response.status_code == 202


def test_a_mount_of_an_invalid_digest_is_refused(
    client: httpx.Client, repo: str, new_repo: Callable[[], str]
) -> None:
    assert_oci_error(mount(client, new_repo(), "sha256:abc", repo), 400, "DIGEST_INVALID")


def test_a_mount_from_an_invalid_repository_name_is_refused(
    client: httpx.Client, repo: str
) -> None:
    assert_oci_error(mount(client, repo, digest_of(b"x"), "Bad/Name"), 400, "NAME_INVALID")
