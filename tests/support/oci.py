"""Assertions and small request helpers for the OCI Distribution API tests."""

import http.client
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from tests.support.images import OCI_MANIFEST, digest_of

API_VERSION = "registry/2.0"
_CODE = re.compile(r"^[A-Z_]+$")


def assert_api_version(response: httpx.Response) -> None:
    assert response.headers.get("Docker-Distribution-API-Version") == API_VERSION, (
        f"{response.request.method} {response.request.url} -> {response.status_code} "
        "lacks Docker-Distribution-API-Version"
    )


def assert_oci_error(response: httpx.Response, status: int, code: str) -> None:
    """`response` has `status` and, unless it answers a HEAD, the spec's error body with `code`."""
    assert response.status_code == status, (
        f"expected {status} {code}, got {response.status_code}: {response.text[:300]}"
    )
    assert_api_version(response)
    if response.request.method == "HEAD":
        assert response.content == b""
        return
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errors"}, body
    errors = body["errors"]
    assert isinstance(errors, list) and errors, body
    for error in errors:
        assert isinstance(error, dict) and set(error) <= {"code", "message", "detail"}, error
        assert isinstance(error["code"], str) and _CODE.match(error["code"]), error
        assert isinstance(error.get("message", ""), str), error
    assert code in [error["code"] for error in errors], body


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def raw_request(
    base_url: str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> RawResponse:
    """A request sent exactly as given: no path normalisation, no header validation."""
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        response = connection.getresponse()
        return RawResponse(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def start_upload(client: httpx.Client, repository: str) -> str:
    """Open an upload session; returns its Location (a path)."""
    response = client.post(f"/v2/{repository}/blobs/uploads/")
    assert response.status_code == 202, response.text
    return response.headers["Location"]


def patch_chunk(client: httpx.Client, location: str, data: bytes, start: int) -> httpx.Response:
    return client.patch(
        location,
        content=data,
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Range": f"{start}-{start + len(data) - 1}",
        },
    )


def close_upload(
    client: httpx.Client, location: str, digest: str, data: bytes = b""
) -> httpx.Response:
    return client.put(location, params={"digest": digest}, content=data)


def put_manifest(
    client: httpx.Client,
    repository: str,
    reference: str,
    body: bytes,
    media_type: str = OCI_MANIFEST,
) -> httpx.Response:
    return client.put(
        f"/v2/{repository}/manifests/{reference}",
        content=body,
        headers={"Content-Type": media_type},
    )


def tags_of(client: httpx.Client, repository: str) -> list[str] | None:
    """The repository's tags, or None when the repository is unknown."""
    response = client.get(f"/v2/{repository}/tags/list")
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    return response.json()["tags"]


def blob_exists(client: httpx.Client, repository: str, data: bytes) -> bool:
    response = client.head(f"/v2/{repository}/blobs/{digest_of(data)}")
    assert response.status_code in (200, 404), response.status_code
    return response.status_code == 200
