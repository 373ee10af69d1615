"""A real Prometheus (Debian's) scrapes the registry's metrics the way a deployment would:
basic_auth with the metrics secret's file as password, and the project's alerting rules
loaded."""

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.requirements import REPOSITORY, require
from tests.support.server import RunningServer, free_port, running_registry

RULES = REPOSITORY / "deploy" / "prometheus" / "rules.yaml"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from running_registry(tmp_path_factory, ["--workers", "2"])


@pytest.fixture
def prometheus(registry: RunningServer, tmp_path: Path) -> Iterator[str]:
    """A Prometheus scraping the registry every second; its URL."""
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {
                "job_name": "image-registry",
                "metrics_path": "/extensions/v2/metrics",
                "basic_auth": {
                    "username": "prometheus",
                    "password_file": str(registry.data_dir / "metrics-secret"),
                },
                "static_configs": [{"targets": [registry.address]}],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    address = f"127.0.0.1:{free_port()}"
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                str(require("prometheus")),
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address={address}",
            ],
            stdout=log,
            stderr=log,
        )
    try:
        yield f"http://{address}"
    finally:
        process.terminate()
        process.wait(30)


def api(prometheus: str, path: str, found: Callable[[Any], bool], **params: str) -> Any:
    """The `data` of Prometheus' answer at `path`, asked until `found` accepts it."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = httpx.get(f"{prometheus}/api/v1/{path}", params=params).json()["data"]
            if found(data):
                return data
        except (httpx.TransportError, ValueError):
            pass  # Prometheus is still starting
        time.sleep(0.5)
    raise AssertionError(f"Prometheus never answered {path} {params} as expected")


def query(prometheus: str, expression: str) -> list[dict[str, Any]]:
    """The first non-empty result of an instant query."""
    return api(prometheus, "query", lambda data: bool(data["result"]), query=expression)["result"]


def test_prometheus_scrapes_the_registry_with_the_metrics_secret(
    registry: RunningServer, prometheus: str
) -> None:
    for _ in range(5):
        httpx.get(registry.url + "/v2/", auth=registry.registry_auth)
    [target] = query(prometheus, 'up{job="image-registry"} == 1')
    assert target["metric"]["instance"] == registry.address
    assert query(prometheus, 'imageregistry_http_requests_total{code="200",method="get"} >= 5')
    [build] = query(prometheus, "imageregistry_build_info")
    assert build["metric"]["major"] == "0"


def test_prometheus_loads_the_projects_alerting_rules(prometheus: str) -> None:
    groups = api(prometheus, "rules", lambda data: bool(data["groups"]))["groups"]
    names = {rule["name"] for group in groups for rule in group["rules"]}
    assert "ImageRegistryRemoved" in names
