"""Sending a stored blob's bytes: the copy loop, and large blobs over HTTP.

Blobs of a MiB and more are copied by a thread of the worker's pool
(distribution/sending.py); smaller ones go out with sendfile. Both must give
the same bytes, for the whole blob and for any Range, and a client that goes
away or stops reading must not hold a thread or the worker.
"""

import base64
import os
import re
import socket
import struct
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
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(_request(repo, digest, _credentials(server)))
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    return sock


def _request(repo: str, digest: str, credentials: str, method: str = "GET") -> bytes:
    return (
        f"{method} /v2/{repo}/blobs/{digest} HTTP/1.1\r\nHost: registry\r\n"
        f"Authorization: Basic {credentials}\r\n\r\n"
    ).encode()


def _credentials(server: RunningServer) -> str:
    return base64.b64encode(":".join(server.registry_auth).encode()).decode()


def _worker_pid(server: RunningServer) -> int:
    found = re.findall(r'msg="registry listening on [^"]+" pid=(\d+)', server.log())
    assert len(found) == 1, "one registry worker expected"
    return int(found[0])


def _blob_files_open(pid: int) -> list[str]:
    fds = Path(f"/proc/{pid}/fd")
    targets = [os.readlink(fd) for fd in fds.iterdir() if fd.is_symlink()]
    return [t for t in targets if "/blobs/" in t]


def _rss_mib(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) // 1024


@pytest.fixture
def one_worker(tmp_path: Path) -> Iterator[RunningServer]:
    args = ["--workers", "1", "--shutdown-timeout", "1"]
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", args).start()
    yield server
    server.stop(timeout=30)


def test_clients_that_go_away_mid_blob_are_no_error_and_hold_nothing(
    one_worker: RunningServer,
) -> None:
    data = os.urandom(32 * 1024 * 1024)
    with one_worker.registry_client() as http:
        assert push_blob(http, "p/big", data).status_code == 201
    request = _request("p/big", digest_of(data), _credentials(one_worker))
    for rep in range(40):  # more than a worker's threads; closed, reset, at once or later
        sock = socket.create_connection(("127.0.0.1", one_worker.port))
        sock.sendall(request)
        if rep % 2:
            sock.recv(65536)
        if rep % 4 >= 2:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    with one_worker.registry_client() as http:
        response = http.get(f"/v2/p/big/blobs/{digest_of(data)}")
    assert response.status_code == 200
    assert response.content == data
    pid = _worker_pid(one_worker)
    deadline = time.monotonic() + 30
    while _blob_files_open(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _blob_files_open(pid) == []
    assert "Error handling request" not in one_worker.log()
    assert "unhandled error" not in one_worker.log()


def test_requests_piled_up_behind_a_blob_are_not_read_faster_than_they_are_answered(
    one_worker: RunningServer,
) -> None:
    data = os.urandom(LARGE)
    with one_worker.registry_client() as http:
        assert push_blob(http, "p/big", data).status_code == 201
    pid = _worker_pid(one_worker)
    before = _rss_mib(pid)
    credentials = _credentials(one_worker)
    digest = digest_of(data)
    heads = _request("p/big", digest, credentials, "HEAD") * 120_000  # about 26 MB
    sock = socket.create_connection(("127.0.0.1", one_worker.port))
    sock.setblocking(False)
    pending = memoryview(_request("p/big", digest, credentials) + heads)
    received = 0
    deadline = time.monotonic() + 20
    while pending and time.monotonic() < deadline:  # send all we can; read the GET only
        try:
            pending = pending[sock.send(pending[:65536]) :]
        except BlockingIOError:
            if received < LARGE:
                try:
                    received += len(sock.recv(1 << 20))
                except BlockingIOError:
                    time.sleep(0.01)
            else:
                time.sleep(0.01)
    grown = _rss_mib(pid) - before
    sock.close()
    assert pending, "the server took every pipelined request without answering them"
    assert grown < 20, f"the worker grew by {grown} MiB holding requests it had not answered"


def test_clients_that_stop_reading_do_not_keep_the_server_from_stopping(
    one_worker: RunningServer,
) -> None:
    server = one_worker
    with server.registry_client() as http:
        data = os.urandom(64 * 1024 * 1024)
        assert push_blob(http, "p/big", data).status_code == 201
    stalled = [_start_pull(server, "p/big", digest_of(data)) for _ in range(3)]
    assert server.stop(timeout=30) == 0
    for sock in stalled:
        sock.close()
    assert "abandoning requests in flight" in server.log()
    assert "did not stop in time" not in server.log()
    assert "unhandled error" not in server.log()
