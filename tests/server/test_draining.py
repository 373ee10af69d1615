"""A registry replica that stops answers every request it has begun to read, and tells
kept-alive clients to go elsewhere (`Connection: close`) instead of closing under them."""

import base64
import http.client
import os
import re
import signal
import threading
from pathlib import Path

from tests.support.images import image, push_image
from tests.support.server import RunningServer

MANIFEST = "/v2/openshift/busy/manifests/v1"


def test_a_stopping_replica_closes_kept_alive_connections_only_after_an_answer(
    tmp_path: Path,
) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "1"]).start()
    img = image(layers=1, layer_size=1024)
    with server.registry_client() as http_:
        assert push_image(http_, "openshift/busy", img, "v1").status_code == 201
    auth = "Basic " + base64.b64encode(":".join(server.registry_auth).encode()).decode()
    pid = int(re.findall(r'msg="registry listening on [^"]+" pid=(\d+)', server.log())[-1])
    answers: list[str] = []
    going = threading.Event()

    def pull() -> None:
        """Back-to-back requests on one kept-alive connection until told to close it."""
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        try:
            while True:
                conn.request("GET", MANIFEST, headers={"Authorization": auth})
                response = conn.getresponse()
                body = response.read()
                answers.append("ok" if body == img.manifest else f"{response.status}")
                going.set()
                if response.getheader("Connection", "").lower() == "close":
                    answers.append("close")
                    return
        except (OSError, http.client.HTTPException) as error:
            answers.append(repr(error))
        finally:
            conn.close()

    puller = threading.Thread(target=pull)
    puller.start()
    assert going.wait(30)
    os.kill(pid, signal.SIGTERM)
    puller.join(60)
    server.stop()
    assert answers[-1] == "close", answers[-3:]
    assert set(answers[:-1]) == {"ok"}
