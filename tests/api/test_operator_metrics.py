"""/metrics on the API: how the operator sees the registry, Removed included."""

import time
from pathlib import Path

import httpx

from tests.support.server import RunningServer

CONFIG = "/apis/imageregistry.operator.openshift.io/v1/configs/cluster"
REMOVED = 'imageregistry_operator_management_state{state="Removed"}'


def _gauges(server: RunningServer) -> dict[str, float]:
    response = httpx.get(f"{server.api_url}/metrics", headers=server.admin_headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = [line for line in response.text.splitlines() if not line.startswith("#")]
    return {name: float(value) for name, value in (line.rsplit(" ", 1) for line in lines)}


def test_the_management_state_and_conditions_are_gauges_an_alert_can_read(
    tmp_path: Path,
) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "1"]).start()
    try:
        gauges = _gauges(server)
        assert gauges['imageregistry_operator_management_state{state="Managed"}'] == 1
        assert gauges[REMOVED] == 0
        patched = httpx.patch(
            f"{server.api_url}{CONFIG}",
            json={"spec": {"managementState": "Removed"}},
            headers={**server.admin_headers, "Content-Type": "application/merge-patch+json"},
        )
        assert patched.status_code == 200
        deadline = time.monotonic() + 30
        while _gauges(server)['imageregistry_operator_condition{type="Removed"}'] != 1:
            assert time.monotonic() < deadline, "the operator did not report Removed"
            time.sleep(0.2)
        assert _gauges(server)[REMOVED] == 1
        assert httpx.get(f"{server.api_url}/metrics").status_code == 403  # no grant, no gauges
    finally:
        server.stop()
