"""Blob uploads: start, monolithic, chunks, status, close with digest check, cancel."""

import os
import re

import httpx
import pytest

from tests.support.clients import logged_statuses
from tests.support.images import digest_of, push_blob
from tests.support.oci import (
    assert_api_version,
    assert_oci_error,
    blob_exists,
    close_upload,
    patch_chunk,
    start_upload,
)
from tests.support.registry_auth import Account
from tests.support.server import RunningServer
from tests.support.trickle import cut_off, framing, trickled


def upload_id(location: str) -> str:
    return location.rsplit("/", 1)[1]


def test_starting_an_upload_answers_202_with_a_location_and_an_empty_range(
    client: httpx.Client, repo: str
) -> None:
    response = client.post(f"/v2/{repo}/blobs/uploads/")
    assert response.status_code == 202
    location = response.headers["Location"]
    assert location.startswith(f"/v2/{repo}/blobs/uploads/")
    assert response.headers["Range"] == "0-0"
    assert response.headers["Docker-Upload-UUID"] == upload_id(location)
    assert_api_version(response)


def test_a_monolithic_post_with_the_digest_creates_the_blob(
    client: httpx.Client, repo: str
) -> None:
    data = os.urandom(3000)
    response = push_blob(client, repo, data)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/v2/{repo}/blobs/{digest_of(data)}"
    assert response.headers["Docker-Content-Digest"] == digest_of(data)
    assert client.get(response.headers["Location"]).content == data


def test_an_empty_blob_can_be_pushed(client: httpx.Client, repo: str) -> None:
    assert push_blob(client, repo, b"").status_code == 201
    assert client.get(f"/v2/{repo}/blobs/{digest_of(b'')}").content == b""


def test_a_monolithic_post_with_a_wrong_digest_is_refused_and_stores_nothing(
    client: httpx.Client, repo: str
) -> None:
    data = os.urandom(100)
    response = client.post(
        f"/v2/{repo}/blobs/uploads/", params={"digest": digest_of(b"other")}, content=data
    )
    assert_oci_error(response, 400, "DIGEST_INVALID")
    assert not blob_exists(client, repo, data)
    assert not blob_exists(client, repo, b"other")


def test_a_blob_streamed_in_one_patch_is_verified_on_close(client: httpx.Client, repo: str) -> None:
    data = os.urandom(200_000)
    location = start_upload(client, repo)
    patched = client.patch(location, content=data)
    assert patched.status_code == 202
    assert patched.headers["Range"] == f"0-{len(data) - 1}"
    closed = close_upload(client, patched.headers["Location"], digest_of(data))
    assert closed.status_code == 201
    assert closed.headers["Docker-Content-Digest"] == digest_of(data)
    assert client.get(f"/v2/{repo}/blobs/{digest_of(data)}").content == data


def test_chunks_with_content_range_are_acknowledged_with_the_range_so_far(
    client: httpx.Client, repo: str
) -> None:
    data = os.urandom(3000)
    location = start_upload(client, repo)
    for start in range(0, 3000, 1000):
        response = patch_chunk(client, location, data[start : start + 1000], start)
        assert response.status_code == 202
        assert response.headers["Range"] == f"0-{start + 999}"
        assert response.headers["Docker-Upload-UUID"] == upload_id(location)
        location = response.headers["Location"]
    assert close_upload(client, location, digest_of(data)).status_code == 201
    assert client.get(f"/v2/{repo}/blobs/{digest_of(data)}").content == data


def test_the_last_chunk_may_come_with_the_closing_put(client: httpx.Client, repo: str) -> None:
    data = os.urandom(2000)
    location = start_upload(client, repo)
    assert patch_chunk(client, location, data[:1500], 0).status_code == 202
    closed = client.put(
        location,
        params={"digest": digest_of(data)},
        content=data[1500:],
        headers={"Content-Range": "1500-1999"},
    )
    assert closed.status_code == 201
    assert client.get(f"/v2/{repo}/blobs/{digest_of(data)}").content == data


def test_a_chunk_out_of_order_is_refused_with_416_and_the_current_range(
    client: httpx.Client, repo: str
) -> None:
    data = os.urandom(3000)
    location = start_upload(client, repo)
    assert patch_chunk(client, location, data[:1000], 0).status_code == 202
    response = patch_chunk(client, location, data[2000:], 2000)
    assert_oci_error(response, 416, "BLOB_UPLOAD_INVALID")
    assert response.headers["Range"] == "0-999"
    # The refused chunk changed nothing: the upload continues where it stood.
    assert patch_chunk(client, location, data[1000:], 1000).status_code == 202
    assert close_upload(client, location, digest_of(data)).status_code == 201


def test_a_chunk_that_restarts_from_zero_is_refused_with_416(
    client: httpx.Client, repo: str
) -> None:
    location = start_upload(client, repo)
    assert patch_chunk(client, location, b"a" * 10, 0).status_code == 202
    response = patch_chunk(client, location, b"a" * 10, 0)
    assert_oci_error(response, 416, "BLOB_UPLOAD_INVALID")
    assert response.headers["Range"] == "0-9"


def test_status_answers_204_with_the_range_received(client: httpx.Client, repo: str) -> None:
    location = start_upload(client, repo)
    assert patch_chunk(client, location, b"x" * 500, 0).status_code == 202
    response = client.get(location)
    assert response.status_code == 204
    assert response.headers["Range"] == "0-499"
    assert response.headers["Location"] == location
    assert response.headers["Docker-Upload-UUID"] == upload_id(location)


def test_a_wrong_digest_on_close_is_refused_and_nothing_becomes_visible(
    client: httpx.Client, repo: str
) -> None:
    data = os.urandom(1000)
    location = start_upload(client, repo)
    assert patch_chunk(client, location, data, 0).status_code == 202
    wrong = digest_of(b"something else")
    assert_oci_error(close_upload(client, location, wrong), 400, "DIGEST_INVALID")
    assert not blob_exists(client, repo, data)
    assert not blob_exists(client, repo, b"something else")


def test_closing_without_a_digest_is_refused(client: httpx.Client, repo: str) -> None:
    location = start_upload(client, repo)
    assert_oci_error(client.put(location, content=b"abc"), 400, "DIGEST_INVALID")


def test_a_sha512_digest_is_verified_too(client: httpx.Client, repo: str) -> None:
    import hashlib

    data = os.urandom(5000)
    digest = "sha512:" + hashlib.sha512(data).hexdigest()
    location = start_upload(client, repo)
    assert patch_chunk(client, location, data, 0).status_code == 202
    closed = close_upload(client, location, digest)
    assert closed.status_code == 201
    assert client.get(f"/v2/{repo}/blobs/{digest}").content == data


def test_a_cancelled_upload_is_unknown_afterwards(client: httpx.Client, repo: str) -> None:
    location = start_upload(client, repo)
    assert patch_chunk(client, location, b"abc", 0).status_code == 202
    response = client.delete(location)
    assert response.status_code == 204
    assert_api_version(response)
    assert_oci_error(client.get(location), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(patch_chunk(client, location, b"d", 3), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(client.delete(location), 404, "BLOB_UPLOAD_UNKNOWN")


def test_a_completed_upload_cannot_be_continued(client: httpx.Client, repo: str) -> None:
    location = start_upload(client, repo)
    assert close_upload(client, location, digest_of(b"abc"), b"abc").status_code == 201
    assert_oci_error(patch_chunk(client, location, b"d", 3), 404, "BLOB_UPLOAD_UNKNOWN")
    assert_oci_error(client.get(location), 404, "BLOB_UPLOAD_UNKNOWN")


FORGED = [
    "forged",
    "0" * 32 + ".6553f100." + "0" * 64,
]


@pytest.mark.parametrize("forged", FORGED)
@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_a_forged_upload_id_is_404_upload_unknown(
    client: httpx.Client, repo: str, forged: str, method: str
) -> None:
    url = f"/v2/{repo}/blobs/uploads/{forged}"
    params = {"digest": digest_of(b"x")} if method == "PUT" else None
    response = client.request(method, url, params=params, content=b"x")
    assert_oci_error(response, 404, "BLOB_UPLOAD_UNKNOWN")


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_an_upload_of_another_repository_is_404_upload_unknown(
    client: httpx.Client, repo: str, new_repo, method: str
) -> None:
    location = start_upload(client, repo)
    elsewhere = location.replace(f"/v2/{repo}/", f"/v2/{new_repo()}/")
    params = {"digest": digest_of(b"x")} if method == "PUT" else None
    response = client.request(method, elsewhere, params=params, content=b"x")
    assert_oci_error(response, 404, "BLOB_UPLOAD_UNKNOWN")
    # The upload in its own repository is untouched.
    assert client.get(location).headers["Range"] == "0-0"


def test_a_tampered_upload_id_is_404_upload_unknown(client: httpx.Client, repo: str) -> None:
    location = start_upload(client, repo)
    key, started, signature = upload_id(location).split(".")
    tampered = f"{key[:-1]}{'0' if key[-1] != '0' else '1'}.{started}.{signature}"
    response = client.get(re.sub(r"[^/]+$", tampered, location))
    assert_oci_error(response, 404, "BLOB_UPLOAD_UNKNOWN")


def test_a_malformed_content_range_is_refused(client: httpx.Client, repo: str) -> None:
    location = start_upload(client, repo)
    response = client.patch(location, content=b"abc", headers={"Content-Range": "bytes=abc"})
    assert_oci_error(response, 400, "BLOB_UPLOAD_INVALID")
    assert client.get(location).headers["Range"] == "0-0"


def test_a_content_range_that_ends_before_it_starts_is_refused(
    client: httpx.Client, repo: str
) -> None:
    location = start_upload(client, repo)
    response = client.patch(location, content=b"abc", headers={"Content-Range": "5-2"})
    assert_oci_error(response, 400, "BLOB_UPLOAD_INVALID")


def test_a_content_range_that_disagrees_with_content_length_is_refused(
    client: httpx.Client, repo: str
) -> None:
    location = start_upload(client, repo)
    response = client.patch(location, content=b"abc", headers={"Content-Range": "0-9"})
    assert_oci_error(response, 400, "SIZE_INVALID")
    assert client.get(location).headers["Range"] == "0-0"


def _send_blob(client: httpx.Client, repo: str, step: str, data: bytes, declared: bool) -> str:
    """Upload `data` trickled through one request of kind `step`; returns the closing location."""
    body = {"content": trickled(data), "headers": framing(data, declared)}
    digest = {"digest": digest_of(data)}
    if step == "post":
        response = client.post(f"/v2/{repo}/blobs/uploads/", params=digest, **body)
    elif step == "patch":
        response = client.patch(start_upload(client, repo), **body)
        assert response.status_code == 202, response.text
        assert response.headers["Range"] == f"0-{len(data) - 1}"
        response = close_upload(client, response.headers["Location"], digest_of(data))
    else:
        response = client.put(start_upload(client, repo), params=digest, **body)
    assert response.status_code == 201, response.text
    return response.headers["Location"]


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("step", ["post", "patch", "put"])
def test_a_blob_that_arrives_in_pieces_is_stored_whole(
    client: httpx.Client, repo: str, step: str, declared: bool
) -> None:
    data = os.urandom(600_000)
    location = _send_blob(client, repo, step, data, declared)
    assert location == f"/v2/{repo}/blobs/{digest_of(data)}"
    assert client.get(location).content == data


def test_a_chunk_cut_off_before_its_content_length_adds_nothing_and_the_upload_goes_on(
    registry: RunningServer, client: httpx.Client, repo: str
) -> None:
    data = os.urandom(100_000)
    location = patch_chunk(client, start_upload(client, repo), data[:10_000], 0).headers["Location"]
    authorization = Account(*registry.registry_auth).authorization["Authorization"]
    head = [
        f"PATCH {location} HTTP/1.1",
        f"Host: {registry.address}",
        f"Authorization: {authorization}",
        "Content-Range: 10000-99999",
        "Content-Length: 90000",
    ]
    cut_off(registry.port, head, data[10_000:50_000])
    # Refused in the protocol's words (nobody is left to read it), never a crash.
    assert logged_statuses(registry, "PATCH", location, 2) == [202, 400]
    assert client.get(location).headers["Range"] == "0-9999"
    resumed = patch_chunk(client, location, data[10_000:], 10_000)
    assert resumed.status_code == 202, resumed.text
    assert close_upload(client, resumed.headers["Location"], digest_of(data)).status_code == 201
    assert client.get(f"/v2/{repo}/blobs/{digest_of(data)}").content == data
