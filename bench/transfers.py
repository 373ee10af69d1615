"""Blob transfers over http.client: bodies go out by sendfile, come in by readinto."""

import contextlib
import hashlib
import http.client
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from blobs import Blob, MiB
from credentials import connect

OCTETS = "application/octet-stream"


class TransferError(RuntimeError):
    pass


def path_of(location: str) -> str:
    """A Location header (absolute or relative) as path and query."""
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def with_query(path: str, **params: str) -> str:
    return path + ("&" if "?" in path else "?") + urllib.parse.urlencode(params)


def expect(resp: http.client.HTTPResponse, status: int, what: str) -> bytes:
    body = resp.read()
    if resp.status != status:
        raise TransferError(f"{what}: {resp.status} {resp.reason}: {body[:300]!r}")
    return body


def send_body(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    blob: Blob | None,
    span: tuple[int, int] = (0, 0),
) -> http.client.HTTPResponse:
    """One request whose body is bytes [start, end) of `blob` (nothing when blob is None)."""
    start, end = span if span != (0, 0) else (0, blob.size if blob else 0)
    conn.putrequest(method, path, skip_accept_encoding=True)
    conn.putheader("Content-Length", str(end - start))
    if blob is not None:
        conn.putheader("Content-Type", OCTETS)
        if span != (0, 0):
            conn.putheader("Content-Range", f"{start}-{end - 1}")
    conn.endheaders()
    if blob is not None:
        assert conn.sock is not None
        with contextlib.suppress(OSError):  # the server answered early: its response says why
            blob.send(conn.sock, start, end)
    return conn.getresponse()


EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def takes_single_post(host: str, repo: str) -> bool:
    """Whether POST ?digest= with the body completes an upload (201) or only opens one (202).

    The spec lets a registry answer 202 and expect the body in a later PUT; distribution 2.8
    does so.
    """
    conn = connect(host)
    path = with_query(f"/v2/{repo}/blobs/uploads/", digest=EMPTY)
    conn.request("POST", path, body=b"", headers={"Content-Type": OCTETS})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    if resp.status not in (201, 202):
        raise TransferError(f"POST ?digest= on {host}: {resp.status} {resp.reason}")
    return resp.status == 201


def monolithic_upload(host: str, repo: str, blob: Blob, single_post: bool = True) -> float:
    """The whole body in one request: POST ?digest= (`single_post`), else POST then PUT ?digest=.

    Returns the seconds taken.
    """
    conn = connect(host)
    began = time.perf_counter()
    if single_post:
        path = with_query(f"/v2/{repo}/blobs/uploads/", digest=blob.digest)
        expect(send_body(conn, "POST", path, blob), 201, f"monolithic POST to {host}")
    else:
        resp = send_body(conn, "POST", f"/v2/{repo}/blobs/uploads/", None)
        expect(resp, 202, f"upload start on {host}")
        path = with_query(path_of(resp.getheader("Location", "")), digest=blob.digest)
        expect(send_body(conn, "PUT", path, blob), 201, f"monolithic PUT to {host}")
    took = time.perf_counter() - began
    conn.close()
    return took


def chunked_upload(host: str, repo: str, blob: Blob, chunk: int) -> float:
    """POST, a PATCH per chunk with Content-Range, PUT ?digest=; seconds taken."""
    conn = connect(host)
    began = time.perf_counter()
    resp = send_body(conn, "POST", f"/v2/{repo}/blobs/uploads/", None)
    expect(resp, 202, f"upload start on {host}")
    location = path_of(resp.getheader("Location", ""))
    for start in range(0, blob.size, chunk):
        span = (start, min(start + chunk, blob.size))
        resp = send_body(conn, "PATCH", location, blob, span)
        expect(resp, 202, f"PATCH {span} on {host}")
        location = path_of(resp.getheader("Location", ""))
    resp = send_body(conn, "PUT", with_query(location, digest=blob.digest), None)
    expect(resp, 201, f"upload close on {host}")
    took = time.perf_counter() - began
    conn.close()
    return took


def get_blob(host: str, repo: str, blob: Blob, verify: bool = False) -> float:
    """GET /v2/REPO/blobs/DIGEST, reading every byte (hashing them if `verify`); seconds."""
    conn = connect(host)
    began = time.perf_counter()
    conn.request("GET", f"/v2/{repo}/blobs/{blob.digest}")
    resp = conn.getresponse()
    if resp.status != 200:
        expect(resp, 200, f"GET blob from {host}")
    buffer = bytearray(4 * MiB)
    view = memoryview(buffer)
    got, hasher = 0, hashlib.sha256()
    while n := resp.readinto(buffer):
        got += n
        if verify:
            hasher.update(view[:n])
    took = time.perf_counter() - began
    conn.close()
    if got != blob.size:
        raise TransferError(f"GET blob from {host}: {got} bytes, expected {blob.size}")
    if verify and "sha256:" + hasher.hexdigest() != blob.digest:
        raise TransferError(f"GET blob from {host}: content does not match {blob.digest}")
    return took


def concurrently(jobs: Sequence[Callable[[], object]]) -> float:
    """Run every job in its own thread, all released at once; wall seconds until the last ends."""
    gate = threading.Barrier(len(jobs) + 1)

    def gated(job: Callable[[], object]) -> object:
        gate.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        futures = [pool.submit(gated, job) for job in jobs]
        gate.wait()
        began = time.perf_counter()
        for future in futures:
            future.result()
        return time.perf_counter() - began


def post_bytes(host: str, repo: str, data: bytes) -> str:
    """A small upload from memory, POST then PUT ?digest= (every registry takes it)."""
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    conn = connect(host)
    conn.request("POST", f"/v2/{repo}/blobs/uploads/", body=b"")
    resp = conn.getresponse()
    expect(resp, 202, f"upload start on {host}")
    path = with_query(path_of(resp.getheader("Location", "")), digest=digest)
    conn.request("PUT", path, body=data, headers={"Content-Type": OCTETS})
    expect(conn.getresponse(), 201, f"small upload to {host}")
    conn.close()
    return digest


def put_manifest(host: str, repo: str, reference: str, data: bytes, media_type: str) -> None:
    conn = connect(host)
    conn.request(
        "PUT", f"/v2/{repo}/manifests/{reference}", body=data, headers={"Content-Type": media_type}
    )
    expect(conn.getresponse(), 201, f"manifest PUT to {host}")
    conn.close()
