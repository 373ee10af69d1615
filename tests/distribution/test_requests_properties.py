"""Whatever a client sends the registry, the answer is a deliberate one: never a 500, and
every refusal in the OCI error format.

Generated requests against a real `moorage serve`: manifest PUTs of arbitrary
and manifest-shaped bodies (naming a blob the repository holds, or not) under
every content type; manifest GET/HEAD by arbitrary references; blob GETs with
arbitrary Range headers; chunk PATCHes with arbitrary Content-Range headers.
"""

import json
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.images import digest_of, push_blob
from tests.support.oci import start_upload
from tests.support.server import RunningServer
from tests.support.strategies import JSON, MANIFEST_CONTENT_TYPES, manifest_shaped

BLOB = b"property-tested blob " * 40
HELD = digest_of(BLOB)
DIGESTS = st.sampled_from([HELD, "sha256:" + "0" * 64, "sha256:abc", HELD.upper(), ""])
HTTP = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def http(sqlite_registry: RunningServer) -> Iterator[httpx.Client]:
    with sqlite_registry.registry_client() as client:
        yield client


@pytest.fixture(scope="module")
def repository(http: httpx.Client) -> str:
    name = f"test/props-{uuid.uuid4().hex[:8]}"
    assert push_blob(http, name, BLOB).status_code == 201
    return name


def deliberate(response: httpx.Response) -> None:
    """Not a server error; a refusal carries the spec's error body (HEAD: none at all)."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400 and response.request.method != "HEAD":
        body = response.json()
        assert isinstance(body["errors"], list) and body["errors"], body
        assert all(isinstance(e["code"], str) and e["code"] for e in body["errors"]), body


@HTTP
@given(
    st.one_of(
        st.binary(max_size=400),
        JSON.map(lambda doc: json.dumps(doc).encode()),
        manifest_shaped(DIGESTS).map(lambda doc: json.dumps(doc).encode()),
    ),
    MANIFEST_CONTENT_TYPES,
)
def test_any_manifest_put_is_stored_or_refused(
    http: httpx.Client, repository: str, body: bytes, content_type: str
) -> None:
    put = http.put(
        f"/v2/{repository}/manifests/latest", content=body, headers={"Content-Type": content_type}
    )
    deliberate(put)
    if put.status_code == 201:
        digest = put.headers["Docker-Content-Digest"]
        assert digest == digest_of(body)
        assert http.get(f"/v2/{repository}/manifests/{digest}").content == body


REFERENCES = st.one_of(
    st.text(max_size=140),
    st.text(alphabet="abcXYZ019._-:@%/", max_size=140),
    st.builds(lambda h: f"sha256:{h}", st.text(alphabet="0123456789abcdefg", max_size=66)),
)


@HTTP
@given(REFERENCES, st.sampled_from(["GET", "HEAD", "DELETE"]))
def test_any_manifest_reference_is_answered_deliberately(
    http: httpx.Client, repository: str, reference: str, method: str
) -> None:
    path = f"/v2/{repository}/manifests/{quote(reference, safe='')}"
    deliberate(http.request(method, path))


# What a header can carry at all (httpx refuses control characters and edge spaces).
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40)
RANGES = st.one_of(
    HEADER_TEXT,
    st.builds(
        lambda unit, a, b: f"{unit}={a}-{b}",
        st.sampled_from(["bytes", "Bytes", "items", ""]),
        st.one_of(st.integers(min_value=-5, max_value=2000).map(str), st.just("")),
        st.one_of(st.integers(min_value=-5, max_value=2000).map(str), st.just("")),
    ),
)


@HTTP
@given(RANGES)
def test_any_range_of_a_blob_is_served_or_refused(
    http: httpx.Client, repository: str, wanted: str
) -> None:
    response = http.get(f"/v2/{repository}/blobs/{HELD}", headers={"Range": wanted})
    deliberate(response)
    if response.status_code == 206:
        first, last = response.headers["Content-Range"].split(" ")[1].split("/")[0].split("-")
        assert response.content == BLOB[int(first) : int(last) + 1]
    elif response.status_code == 200:
        assert response.content == BLOB
    else:
        assert response.status_code == 416, response.status_code


CONTENT_RANGES = st.one_of(
    HEADER_TEXT,
    st.builds(
        lambda a, b: f"{a}-{b}",
        st.integers(min_value=-3, max_value=40),
        st.integers(min_value=-3, max_value=40),
    ),
)


@HTTP
@given(CONTENT_RANGES, st.binary(min_size=0, max_size=20))
def test_any_content_range_of_a_chunk_is_taken_or_refused(
    http: httpx.Client, repository: str, content_range: str, chunk: bytes
) -> None:
    location = start_upload(http, repository)
    headers = {"Content-Range": content_range, "Content-Type": "application/octet-stream"}
    patched = http.patch(location, content=chunk, headers=headers)
    deliberate(patched)
    if patched.status_code == 202:
        assert patched.headers["Range"] in (f"0-{len(chunk) - 1}", "0-0")
