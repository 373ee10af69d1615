"""Sending a stored blob's bytes: the copy loop, and large blobs over HTTP.

Blobs of a MiB and more are copied by a thread of the worker's pool
(distribution/sending.py); smaller ones go out with sendfile. Both must give
the same bytes, for the whole blob and for any Range, and a client that goes
away or stops reading must not hold a thread or the worker.
"""

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from moorage.distribution import sending
from tests.support.images import digest_of, push_blob
from tests.support.server import RunningServer

LARGE = 3 * 1024 * 1024 + 7  # past THREAD_MIN, and not a whole number of buffers


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (server end, client end), the server end non-blocking as asyncio's is."""
    server_end, client_end = socket.socketpair()
    server_end.setblocking(False)
    yield server_end, client_end
    server_end.close()
    client_end.close()


@pytest.fixture
def source(tmp_path: Path) -> Iterator[tuple[int, bytes]]:
    data = os.urandom(LARGE)
    path = tmp_path / "blob"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    yield fd, data
    os.close(fd)


def _read_all(sock: socket.socket, into: bytearray) -> None:
    while chunk := sock.recv(65536):
        into.extend(chunk)


def test_the_copy_writes_exactly_the_span_asked_for(pair, source) -> None:
    server_end, client_end = pair
    fd, data = source
    received = bytearray()
    reader = threading.Thread(target=_read_all, args=(client_end, received))
    reader.start()
    sending._copy(fd, server_end.fileno(), 1000, LARGE - 2000, threading.Event())
    server_end.shutdown(socket.SHUT_WR)
    reader.join(10)
    assert bytes(received) == data[1000:-1000]


def test_a_client_that_goes_away_ends_the_copy_with_an_error(pair, source) -> None:
    server_end, client_end = pair
    fd, _ = source
    client_end.close()
    with pytest.raises(OSError):
        sending._copy(fd, server_end.fileno(), 0, LARGE, threading.Event())


def test_a_stopped_copy_ends_even_while_the_client_reads_nothing(pair, source) -> None:
    server_end, _ = pair
    fd, _ = source
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    began = time.monotonic()
    with pytest.raises(sending.Stopped):
        sending._copy(fd, server_end.fileno(), 0, LARGE, stop)
    assert time.monotonic() - began < sending.POLL_SECONDS + 5


def test_a_client_that_stops_reading_is_dropped_after_the_stall_limit(
    pair, source, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_end, _ = pair
    fd, _ = source
    monkeypatch.setattr(sending, "STALL_SECONDS", 0.3)
    monkeypatch.setattr(sending, "POLL_SECONDS", 0.05)
    with pytest.raises(TimeoutError, match="read nothing"):
        sending._copy(fd, server_end.fileno(), 0, LARGE, threading.Event())


def test_a_blob_file_shorter_than_its_size_is_an_error_not_a_short_body(
    pair, source, tmp_path: Path
) -> None:
    server_end, client_end = pair
    fd, _ = source
    reader = threading.Thread(target=_read_all, args=(client_end, bytearray()))
    reader.start()
    with pytest.raises(OSError, match="shorter"):
        sending._copy(fd, server_end.fileno(), 0, LARGE + 10, threading.Event())
    server_end.shutdown(socket.SHUT_WR)
    reader.join(10)


# Over HTTP, against a real server -------------------------------------------------


@pytest.fixture
def large(client: httpx.Client, repo: str) -> bytes:
    data = os.urandom(LARGE)
    assert push_blob(client, repo, data).status_code == 201
    return data


def test_a_large_blob_is_served_whole(client: httpx.Client, repo: str, large: bytes) -> None:
    response = client.get(f"/v2/{repo}/blobs/{digest_of(large)}")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(LARGE)
    assert response.content == large


@pytest.mark.parametrize(
    ("spec", "start", "stop"),
    [("bytes=100-2097251", 100, 2097252), ("bytes=-1048577", LARGE - 1048577, LARGE)],
)
def test_a_large_range_is_served_exactly(
    client: httpx.Client, repo: str, large: bytes, spec: str, start: int, stop: int
) -> None:
    response = client.get(f"/v2/{repo}/blobs/{digest_of(large)}", headers={"Range": spec})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{stop - 1}/{LARGE}"
    assert response.content == large[start:stop]


def test_an_empty_blob_is_served_with_no_body(client: httpx.Client, repo: str) -> None:
    assert push_blob(client, repo, b"").status_code == 201
    response = client.get(f"/v2/{repo}/blobs/{digest_of(b'')}")
    assert response.status_code == 200
    assert response.content == b""


def _start_pull(server: RunningServer, repo: str, digest: str) -> socket.socket:
    """A raw connection that asks for the blob and reads only its first bytes."""
    credentials = base64.b64encode(":".join(server.registry_auth).encode()).decode()
    sock = socket.create_connection(("127.0.0.1", server.port))
    request = (
        f"GET /v2/{repo}/blobs/{digest} HTTP/1.1\r\nHost: {server.address}\r\n"
        f"Authorization: Basic {credentials}\r\n\r\n"
    )
    sock.sendall(request.encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    return sock


def test_clients_that_go_away_mid_blob_leave_the_server_serving(
    registry: RunningServer, client: httpx.Client, repo: str
) -> None:
    data = os.urandom(32 * 1024 * 1024)
    assert push_blob(client, repo, data).status_code == 201
    for _ in range(40):  # more than a worker's threads
        _start_pull(registry, repo, digest_of(data)).close()
    response = client.get(f"/v2/{repo}/blobs/{digest_of(data)}")
    assert response.status_code == 200
    assert response.content == data


def test_a_client_that_stops_reading_does_not_keep_the_server_from_stopping(
    tmp_path: Path,
) -> None:
    args = ["--workers", "1", "--shutdown-timeout", "1"]
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", args).start()
    with server.registry_client() as http:
        data = os.urandom(64 * 1024 * 1024)
        assert push_blob(http, "p/big", data).status_code == 201
    stalled = _start_pull(server, "p/big", digest_of(data))
    assert server.stop(timeout=30) == 0
    stalled.close()
    assert "abandoning requests in flight" in server.log()
    assert "did not stop in time" not in server.log()
    assert "unhandled error" not in server.log()
