"""The registry and the API are separate processes: pulls go on while the API restarts."""

import os
import re
import signal
import time
from pathlib import Path

import httpx

from tests.support.images import image, push_image
from tests.support.server import RunningServer

ACCEPT = {"Accept": "application/vnd.oci.image.manifest.v1+json"}


def api_pid(server: RunningServer) -> int:
    found = re.findall(r'msg="API listening on [^"]+" pid=(\d+)', server.log())
    assert found, server.log()
    return int(found[-1])


def test_the_registry_serves_while_the_api_is_down_and_the_api_comes_back(
    tmp_path: Path,
) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "2"])
    server.start()
    with server.registry_client() as registry:
        img = image()
        assert push_image(registry, "proj/app", img, "v1").status_code == 201
        first = api_pid(server)
        os.kill(first, signal.SIGKILL)
        pulled = registry.get("/v2/proj/app/manifests/v1", headers=ACCEPT)
        assert pulled.status_code == 200
        assert pulled.headers["Docker-Content-Digest"] == img.digest
        pushed_meanwhile = image()
        assert push_image(registry, "proj/app", pushed_meanwhile, "v2").status_code == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            # The token kubeadmin logged in with before the restart is still good.
            stream = httpx.get(
                f"{server.api_url}/apis/image.openshift.io/v1/namespaces/proj/imagestreams/app",
                headers=server.admin_headers,
            )
            break
        except httpx.TransportError:
            time.sleep(0.2)
    assert api_pid(server) != first
    tags = {t["tag"] for t in stream.json()["status"]["tags"]}
    assert tags == {"v1", "v2"}
    assert server.stop() == 0
