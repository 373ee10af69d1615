"""kubectl watching image streams sees a skopeo push land."""

from pathlib import Path

import pytest

from tests.support.clients import skopeo_push_new_image
from tests.support.kubectl import KUBECTL, Kubectl, write_kubeconfig
from tests.support.server import RunningServer

pytestmark = pytest.mark.clients


@pytest.mark.skipif(not KUBECTL.exists(), reason="kubectl is not installed")
def test_kubectl_get_watch_sees_an_image_stream_change_when_skopeo_pushes(
    server: RunningServer, project: str, tmp_path: Path
) -> None:
    kubectl = Kubectl(
        write_kubeconfig(tmp_path / "kubeconfig", server.api_url, project), tmp_path / "home"
    )
    watching = kubectl.watch("get", "imagestreams", "-w", "--output-watch-events", "-o", "json")
    try:
        skopeo_push_new_image(tmp_path, f"{server.address}/{project}/web:v1")
        events = watching.wait_for(1)
    finally:
        watching.stop()
    stream = events[-1]["object"]
    assert events[-1]["type"] in ("ADDED", "MODIFIED")
    assert stream["metadata"]["name"] == "web"
    assert [t["tag"] for t in stream["status"]["tags"]] == ["v1"]
