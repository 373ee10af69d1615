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

from tests.support.server import RunningServer, running_registry


@pytest.fixture(scope="session")
def memory_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A registry on the memory driver, which streams blobs instead of sendfile."""
    yield from running_registry(tmp_path_factory, ["--storage", "memory"])


@pytest.fixture
def client(registry: RunningServer) -> Iterator[httpx.Client]:
    """The registry port of the shared registry, as kubeadmin."""
    with registry.registry_client() as http:
        yield http


@pytest.fixture
def new_repo() -> Callable[[], str]:
    """Makes repository names no other test uses."""
    return lambda: f"test/{uuid.uuid4().hex[:16]}"


@pytest.fixture
def repo(new_repo: Callable[[], str]) -> str:
    return new_repo()
