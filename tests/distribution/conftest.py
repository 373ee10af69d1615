"""Fixtures for the HTTP tests: registries shared by a test session, one repository per test.

Starting a registry takes about a second, so the tests of one xdist worker share
one filesystem registry (two workers) per metadata backend (SQLite and
PostgreSQL: every test that uses `registry` or `client` runs on both) and one
memory registry, and each test works in repositories of its own. Tests that
need a registry nobody else touches (the catalog) use the function-scoped
`server`/`http` fixtures.
"""

import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.support.postgres import PostgresCluster
from tests.support.server import RunningServer


def _running(tmp: pytest.TempPathFactory, args: list[str]) -> Iterator[RunningServer]:
    root = tmp.mktemp("registry")
    running = RunningServer(root / "data", root / "server.log", args)
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()
    # Every refusal the tests provoke must be a deliberate answer, never a crash.
    assert "unhandled error" not in running.log(), running.log()[-5000:]


@pytest.fixture(scope="session")
def sqlite_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A filesystem registry with two worker processes, its metadata in SQLite."""
    yield from _running(tmp_path_factory, ["--workers", "2"])


@pytest.fixture(scope="session")
def postgresql_registry(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresCluster
) -> Iterator[RunningServer]:
    """A filesystem registry with two worker processes, its metadata in PostgreSQL."""
    url = postgres.create_database()
    yield from _running(tmp_path_factory, ["--workers", "2", "--database-url", url])


@pytest.fixture
def registry(request: pytest.FixtureRequest, metadata_backend: str) -> RunningServer:
    """The shared filesystem registry of the test's metadata backend."""
    return request.getfixturevalue(f"{metadata_backend}_registry")


@pytest.fixture(scope="session")
def memory_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A registry on the memory driver, which streams blobs instead of sendfile."""
    yield from _running(tmp_path_factory, ["--storage", "memory"])


@pytest.fixture
def client(registry: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=registry.url, timeout=30) as http:
        yield http


@pytest.fixture
def new_repo() -> Callable[[], str]:
    """Makes repository names no other test uses."""
    return lambda: f"test/{uuid.uuid4().hex[:16]}"


@pytest.fixture
def repo(new_repo: Callable[[], str]) -> str:
    return new_repo()
