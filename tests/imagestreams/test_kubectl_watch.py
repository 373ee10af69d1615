"""kubectl watching image streams sees a skopeo push land."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.clients import skopeo_push_new_image
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.requirements import require
from tests.support.server import RunningServer

pytestmark = pytest.mark.clients

PROJECT = "shop"


@pytest.fixture
def tls_server(tmp_path: Path, database_args: list[str]) -> Iterator[RunningServer]:
    """A registry of its own whose API speaks HTTPS: client-go sends a token only over https."""
    args = ["--workers", "1", *database_args]
    running = RunningServer(
        tmp_path / "data", tmp_path / "server.log", args, projects=(PROJECT,), api_tls=True
    )
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()


def test_kubectl_get_watch_sees_an_image_stream_change_when_skopeo_pushes(
    tls_server: RunningServer, tmp_path: Path
) -> None:
    require("kubectl")
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", tls_server, PROJECT)
    kubectl = Kubectl(kubeconfig, tmp_path / "home")
    watching = kubectl.watch("get", "imagestreams", "-w", "--output-watch-events", "-o", "json")
    try:
        skopeo_push_new_image(tls_server, tmp_path, f"{PROJECT}/web:v1")
        events = watching.wait_for(1)
    finally:
        watching.stop()
    stream = events[-1]["object"]
    assert events[-1]["type"] in ("ADDED", "MODIFIED")
    assert stream["metadata"]["name"] == "web"
    assert [t["tag"] for t in stream["status"]["tags"]] == ["v1"]
