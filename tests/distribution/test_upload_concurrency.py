"""Uploads that meet other clients and other worker processes."""

import os
import re
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.support.images import digest_of
from tests.support.oci import assert_oci_error, blob_exists, patch_chunk
from tests.support.server import RunningServer


def chunked_upload(registry: RunningServer, repository: str, data: bytes, chunk: int) -> int:
    with registry.registry_client() as http:
        location = http.post(f"/v2/{repository}/blobs/uploads/").headers["Location"]
        for start in range(0, len(data), chunk):
            response = patch_chunk(http, location, data[start : start + chunk], start)
            assert response.status_code == 202, response.text
            location = response.headers["Location"]
        return http.put(location, params={"digest": digest_of(data)}).status_code


def test_two_clients_uploading_the_same_blob_at_once_both_succeed(
    registry: RunningServer, client: httpx.Client, repo: str
) -> None:
    data = os.urandom(300_000)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: chunked_upload(registry, repo, data, 50_000), range(4)))
    assert results == [201] * 4
    assert client.get(f"/v2/{repo}/blobs/{digest_of(data)}").content == data


def workers_that_served(registry: RunningServer, location: str) -> set[str]:
    """The worker instance ids the access log shows handling requests to `location`."""
    return {
        match[1]
        for line in registry.log().splitlines()
        if location in line and "response completed" in line
        for match in [re.search(r"instance\.id=(\S+)", line)]
        if match
    }


def test_chunks_sent_over_new_connections_to_any_worker_make_one_verified_blob(
    registry: RunningServer, client: httpx.Client, repo: str
) -> None:
    data = os.urandom(400_000)
    location = client.post(f"/v2/{repo}/blobs/uploads/").headers["Location"]
    chunk, start = 10_000, 0
    while start < len(data):
        # A new client is a new connection: SO_REUSEPORT spreads them over both workers.
        with registry.registry_client() as fresh:
            response = patch_chunk(fresh, location, data[start : start + chunk], start)
            assert response.status_code == 202, response.text
        start += chunk
        if start >= 80_000 and len(workers_that_served(registry, location)) > 1:
            chunk = len(data)  # both workers took part: send the rest at once
    assert len(workers_that_served(registry, location)) > 1
    with registry.registry_client() as fresh:
        closed = fresh.put(location, params={"digest": digest_of(data)})
    assert closed.status_code == 201, closed.text
    assert client.get(f"/v2/{repo}/blobs/{digest_of(data)}").content == data


def test_a_wrong_digest_is_caught_when_chunks_went_to_different_workers(
    registry: RunningServer, client: httpx.Client, repo: str
) -> None:
    data = os.urandom(40_000)
    location = client.post(f"/v2/{repo}/blobs/uploads/").headers["Location"]
    for start in range(0, len(data), 5_000):
        with registry.registry_client() as fresh:
            assert patch_chunk(fresh, location, data[start : start + 5_000], start).status_code
    with registry.registry_client() as fresh:
        wrong = data[:-1] + bytes([data[-1] ^ 1])  # not `+ b"!"`: data may end in "!"
        closed = fresh.put(location, params={"digest": digest_of(wrong)})
    assert_oci_error(closed, 400, "DIGEST_INVALID")
    assert not blob_exists(client, repo, data)


def uploads_in_progress(registry: RunningServer) -> set[str]:
    return {p.name for p in (registry.data_dir / "storage" / "uploads").iterdir()}


def test_a_refused_monolithic_upload_leaves_no_upload_behind(
    registry: RunningServer, client: httpx.Client, repo: str
) -> None:
    before = uploads_in_progress(registry)
    for digest in (digest_of(b"other"), "sha256:short", "md5:" + "0" * 32):
        response = client.post(
            f"/v2/{repo}/blobs/uploads/", params={"digest": digest}, content=b"data"
        )
        assert_oci_error(response, 400, "DIGEST_INVALID")
    assert uploads_in_progress(registry) == before
