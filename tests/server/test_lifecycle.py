"""Starting, stopping and restarting `moorage serve`: what survives, what is said."""

import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.images import digest_of, push_blob
from tests.support.server import MOORAGE, RunningServer

LOG_LINE = re.compile(r'^time="[0-9T:.-]+Z" level=\w+ msg=.* instance\.id=[0-9a-f-]{36}$')


def test_sigterm_lets_a_request_in_flight_finish(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "2"]).start()
    data = os.urandom(4 * 1024 * 1024)
    streaming = threading.Event()
    result: dict[str, int] = {}

    def body() -> Iterator[bytes]:
        for offset in range(0, len(data), 256 * 1024):
            streaming.set()
            yield data[offset : offset + 256 * 1024]
            time.sleep(0.05)

    def upload() -> None:
        with server.registry_client(timeout=60) as client:
            response = client.post(
                "/v2/p/slow/blobs/uploads/", params={"digest": digest_of(data)}, content=body()
            )
            result["status"] = response.status_code

    thread = threading.Thread(target=upload)
    thread.start()
    assert streaming.wait(30)
    assert server.stop() == 0
    thread.join(30)
    assert result["status"] == 201
    server.start()
    with server.registry_client() as client:
        assert client.head(f"/v2/p/slow/blobs/{digest_of(data)}").status_code == 200
    server.stop()


def test_an_upload_continues_after_a_restart(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log").start()
    data = os.urandom(300_000)
    with server.registry_client() as client:
        location = client.post("/v2/p/resume/blobs/uploads/").headers["Location"]
        first = client.patch(location, content=data[:100_000], headers={"Content-Range": "0-99999"})
        assert first.status_code == 202
    server.kill()
    server.start()
    with server.registry_client() as client:
        status = client.get(location)
        assert status.status_code == 204
        assert status.headers["Range"] == "0-99999"
        done = client.put(
            location,
            params={"digest": digest_of(data)},
            content=data[100_000:],
            headers={"Content-Range": f"100000-{len(data) - 1}"},
        )
        assert done.status_code == 201
        assert client.get(f"/v2/p/resume/blobs/{digest_of(data)}").content == data
    server.stop()


def test_memory_storage_forgets_everything_on_restart_and_says_so(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--storage", "memory"])
    server.start()
    blob = b"gone after restart"
    with server.registry_client() as client:
        assert push_blob(client, "p/tmp", blob).status_code == 201
    server.stop()
    server.start()
    with server.registry_client() as client:  # everything is forgotten: log in anew
        assert client.head(f"/v2/p/tmp/blobs/{digest_of(blob)}").status_code == 404
    server.stop()
    assert "lost when the registry stops" in server.log()
    assert not (tmp_path / "data").exists()


def test_every_log_line_has_the_registry_log_shape(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log").start()
    with server.registry_client() as client:
        client.get("/v2/")
        client.get("/v2/p/missing/tags/list")
    server.stop()
    lines = server.log().splitlines()
    assert any(
        'msg="response completed"' in line and "http.response.status=404" in line for line in lines
    )
    for line in lines:
        assert LOG_LINE.match(line), line


def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log").start()
    second = subprocess.run(
        [*MOORAGE, "serve", "--listen", server.address, "--data-dir", str(tmp_path / "other")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    server.stop()
    assert second.returncode == 2
    assert second.stderr.strip() == (
        f"error: cannot listen on {server.address}: Address already in use"
    )
