"""Blob GET/HEAD (whole and by Range) and DELETE, on both storage drivers.

The filesystem driver sends the file (distribution/sending.py); the memory driver streams.
Both must give the same answers.
"""

import os
from collections.abc import Iterator

import httpx
import pytest

from tests.support.images import digest_of, push_blob
from tests.support.oci import assert_api_version, assert_oci_error

SIZE = 1024


@pytest.fixture(params=["sqlite", "postgresql", "memory"])
def driver_client(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """Filesystem storage with either metadata backend, and memory storage."""
    server = request.getfixturevalue(f"{request.param}_registry")
    with server.registry_client() as http:
        yield http


@pytest.fixture
def blob(driver_client: httpx.Client, repo: str) -> bytes:
    data = os.urandom(SIZE)
    assert push_blob(driver_client, repo, data).status_code == 201
    return data


def get_range(client: httpx.Client, repo: str, data: bytes, spec: str) -> httpx.Response:
    return client.get(f"/v2/{repo}/blobs/{digest_of(data)}", headers={"Range": spec})


def test_a_blob_is_served_whole_with_its_digest(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = driver_client.get(f"/v2/{repo}/blobs/{digest_of(blob)}")
    assert response.status_code == 200
    assert response.content == blob
    assert response.headers["Docker-Content-Digest"] == digest_of(blob)
    assert response.headers["Content-Length"] == str(SIZE)
    assert_api_version(response)


def test_head_tells_the_size_and_digest_without_a_body(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = driver_client.head(f"/v2/{repo}/blobs/{digest_of(blob)}")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["Content-Length"] == str(SIZE)
    assert response.headers["Docker-Content-Digest"] == digest_of(blob)


def test_head_and_get_agree_on_the_etag(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    url = f"/v2/{repo}/blobs/{digest_of(blob)}"
    etag = f'"{digest_of(blob)}"'
    assert driver_client.head(url).headers["ETag"] == etag
    assert driver_client.get(url).headers["ETag"] == etag


def test_an_unknown_blob_is_404_blob_unknown(driver_client: httpx.Client, repo: str) -> None:
    missing = digest_of(b"missing")
    assert_oci_error(driver_client.get(f"/v2/{repo}/blobs/{missing}"), 404, "BLOB_UNKNOWN")
    assert_oci_error(driver_client.head(f"/v2/{repo}/blobs/{missing}"), 404, "BLOB_UNKNOWN")


def test_a_range_is_served_as_206_with_content_range(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = get_range(driver_client, repo, blob, "bytes=10-19")
    assert response.status_code == 206
    assert response.content == blob[10:20]
    assert response.headers["Content-Range"] == f"bytes 10-19/{SIZE}"
    assert response.headers["Content-Length"] == "10"
    assert response.headers["Docker-Content-Digest"] == digest_of(blob)


def test_an_open_ended_range_runs_to_the_end(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = get_range(driver_client, repo, blob, "bytes=1000-")
    assert response.status_code == 206
    assert response.content == blob[1000:]
    assert response.headers["Content-Range"] == f"bytes 1000-{SIZE - 1}/{SIZE}"


def test_a_suffix_range_serves_the_last_bytes(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = get_range(driver_client, repo, blob, "bytes=-100")
    assert response.status_code == 206
    assert response.content == blob[-100:]
    assert response.headers["Content-Range"] == f"bytes {SIZE - 100}-{SIZE - 1}/{SIZE}"


def test_a_range_past_the_end_is_cut_at_the_end(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = get_range(driver_client, repo, blob, "bytes=1000-5000")
    assert response.status_code == 206
    assert response.content == blob[1000:]
    assert response.headers["Content-Range"] == f"bytes 1000-{SIZE - 1}/{SIZE}"


def test_a_suffix_longer_than_the_blob_serves_it_all(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    response = get_range(driver_client, repo, blob, "bytes=-5000")
    assert response.status_code in (200, 206)
    assert response.content == blob


@pytest.mark.parametrize("spec", ["bytes=1024-", "bytes=2000-3000", "bytes=5-2"])
def test_an_unsatisfiable_range_is_416_with_the_size(
    driver_client: httpx.Client, repo: str, blob: bytes, spec: str
) -> None:
    response = get_range(driver_client, repo, blob, spec)
    assert_oci_error(response, 416, "BLOB_UNKNOWN")
    assert response.headers["Content-Range"] == f"bytes */{SIZE}"


def test_a_deleted_blob_is_gone_from_the_repository(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    url = f"/v2/{repo}/blobs/{digest_of(blob)}"
    response = driver_client.delete(url)
    assert response.status_code == 202
    assert_api_version(response)
    assert_oci_error(driver_client.get(url), 404, "BLOB_UNKNOWN")
    assert_oci_error(driver_client.head(url), 404, "BLOB_UNKNOWN")


def test_deleting_an_unknown_blob_is_404_blob_unknown(
    driver_client: httpx.Client, repo: str, blob: bytes
) -> None:
    missing = digest_of(b"missing")
    assert_oci_error(driver_client.delete(f"/v2/{repo}/blobs/{missing}"), 404, "BLOB_UNKNOWN")


def test_deleting_a_blob_in_one_repository_leaves_it_in_another(
    driver_client: httpx.Client, repo: str, new_repo, blob: bytes
) -> None:
    other = new_repo()
    digest = digest_of(blob)
    mounted = driver_client.post(
        f"/v2/{other}/blobs/uploads/", params={"mount": digest, "from": repo}
    )
    assert mounted.status_code == 201
    assert driver_client.delete(f"/v2/{repo}/blobs/{digest}").status_code == 202
    assert driver_client.get(f"/v2/{other}/blobs/{digest}").content == blob
