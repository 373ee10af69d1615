"""One API server per metadata backend per test session (per xdist worker).

Every test runs on SQLite and on PostgreSQL. Starting `moorage serve` takes a
few seconds, so the tests share one server per backend. Tests never
depend on objects they did not create: they make uniquely named namespaces (and
label cluster-scoped objects uniquely) and filter on them.
"""

from collections.abc import Iterator

import httpx
import pytest

from tests.support.k8s import create_namespace, running_api
from tests.support.postgres import PostgresCluster
from tests.support.server import RunningServer


@pytest.fixture(scope="session")
def sqlite_api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from running_api(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="session")
def postgresql_api_server(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresCluster
) -> Iterator[RunningServer]:
    url = postgres.create_database()
    yield from running_api(tmp_path_factory.mktemp("api"), ["--database-url", url])


@pytest.fixture
def api_server(request: pytest.FixtureRequest, metadata_backend: str) -> RunningServer:
    return request.getfixturevalue(f"{metadata_backend}_api_server")


@pytest.fixture
def api(api_server: RunningServer) -> Iterator[httpx.Client]:
    """The API of the shared server, as kubeadmin (cluster-admin)."""
    with api_server.api_client() as client:
        yield client


@pytest.fixture
def namespace(api: httpx.Client) -> str:
    """A namespace only this test uses."""
    return create_namespace(api)
