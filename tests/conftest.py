from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import RunningServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    """A registry with filesystem storage and two workers, stopped after the test."""
    running = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "2"])
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client
