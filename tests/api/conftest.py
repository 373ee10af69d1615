"""One API server per test session (per xdist worker); each test has namespaces of its own.

Starting `moorage serve` takes a few seconds, so the tests share one. Tests never
depend on objects they did not create: they make uniquely named namespaces (and
label cluster-scoped objects uniquely) and filter on them.
"""

from collections.abc import Iterator

import httpx
import pytest

from tests.support.k8s import create_namespace, running_api
from tests.support.server import RunningServer


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from running_api(tmp_path_factory.mktemp("api"))


@pytest.fixture
def api(api_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.api_url, timeout=30) as client:
        yield client


@pytest.fixture
def namespace(api: httpx.Client) -> str:
    """A namespace only this test uses."""
    return create_namespace(api)
