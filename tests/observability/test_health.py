"""`/healthz` and `/readyz` on the registry's port and the API's, without credentials: ok while
the process can work; readyz names each check that fails (the blob storage gone away), and a
replica that starts to stop answers 503 before it closes its kept-alive connections."""

import http.client
import os
import re
import signal
import threading
from pathlib import Path

import httpx

from tests.cli.conftest import Cli
from tests.operator.conftest import run_on_s3
from tests.support.moto import MotoServer
from tests.support.requirements import require
from tests.support.server import RunningServer


def test_both_listeners_answer_ok_to_anyone(registry: RunningServer) -> None:
    for base in (registry.url, registry.api_url):
        for path in ("/healthz", "/readyz"):
            answer = httpx.get(base + path, verify=registry.api_verify, timeout=10)
            assert (answer.status_code, answer.text) == (200, "ok"), (base, path, answer.text)


def test_readyz_names_the_storage_when_it_does_not_answer(cluster: RunningServer, oc: Cli) -> None:
    moto = MotoServer(require("moto")).start()  # its own: this test stops it
    try:
        run_on_s3(oc, {"bucket": moto.new_bucket(), "regionEndpoint": moto.endpoint})
        assert httpx.get(cluster.url + "/readyz", timeout=10).status_code == 200
    finally:
        moto.stop()
    answer = httpx.get(cluster.url + "/readyz", timeout=30)
    assert answer.status_code == 503
    assert answer.text.startswith("[-]storage failed: ")
    assert answer.text.endswith("readyz check failed\n")
    assert httpx.get(cluster.url + "/healthz", timeout=10).text == "ok"


def test_a_stopping_replica_is_not_ready_before_it_closes_a_kept_alive_connection(
    tmp_path: Path,
) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "1"]).start()
    pid = int(re.findall(r'msg="registry listening on [^"]+" pid=(\d+)', server.log())[-1])
    answers: list[tuple[int, str, str]] = []
    asked = threading.Event()

    def ask() -> None:
        """Back-to-back readiness checks on one kept-alive connection until it is closed."""
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            while True:
                conn.request("GET", "/readyz")
                response = conn.getresponse()
                closing = response.getheader("Connection", "").lower()
                answers.append((response.status, response.read().decode(), closing))
                asked.set()
                if closing == "close":
                    return
        finally:
            conn.close()

    asking = threading.Thread(target=ask)
    asking.start()
    assert asked.wait(30)
    os.kill(pid, signal.SIGTERM)
    asking.join(60)
    server.stop()
    *before, last = answers
    assert {(status, text) for status, text, _ in before} == {(200, "ok")}
    assert last[0] == 503 and "[-]shutdown failed: the process is stopping" in last[1]
    assert last[2] == "close"
