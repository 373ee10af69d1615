"""Fixtures shared by every suite; the metadata backends and the per-test server.

Tests that ask for `metadata_backend` (directly, or through `server` and
`database_args`) run once on SQLite and once on a real PostgreSQL, which one
cluster per test session (per xdist worker) serves, a database per server.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.azurite import Azurite
from tests.support.gcs_emulator import GcsEmulator
from tests.support.moto import MotoServer
from tests.support.postgres import PostgresCluster
from tests.support.requirements import require
from tests.support.server import RunningServer, running_registry

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A PostgreSQL cluster on a free loopback port, stopped and removed at the end."""
    cluster = PostgresCluster(require("postgresql")).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoServer]:
    """An S3 endpoint (moto's server) on a free loopback port; tests make buckets of their own."""
    server = MotoServer(require("moto")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """An Azure Blob endpoint (Azurite) on a free loopback port; tests make containers of
    their own."""
    server = Azurite(require("azurite"), tmp_path_factory.mktemp("azurite")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def gcs() -> Iterator[GcsEmulator]:
    """A GCS endpoint (gcp-storage-emulator) on a free loopback port; tests make buckets of
    their own."""
    server = GcsEmulator(require("gcp-storage-emulator")).start()
    yield server
    server.stop()


@pytest.fixture(params=BACKENDS)
def metadata_backend(request: pytest.FixtureRequest) -> str:
    return request.param


def backend_args(request: pytest.FixtureRequest, backend: str) -> list[str]:
    """`moorage serve` options that put its metadata on `backend` (a new database each call)."""
    if backend == "sqlite":
        return []
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return ["--database-url", cluster.create_database()]


@pytest.fixture
def database_args(request: pytest.FixtureRequest, metadata_backend: str) -> list[str]:
    return backend_args(request, metadata_backend)


@pytest.fixture
def server(tmp_path: Path, database_args: list[str]) -> Iterator[RunningServer]:
    """A registry with filesystem storage and two workers, stopped after the test."""
    args = ["--workers", "2", *database_args]
    running = RunningServer(tmp_path / "data", tmp_path / "server.log", args)
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()


@pytest.fixture
def http(server: RunningServer) -> Iterator[httpx.Client]:
    """The registry port of `server`, as kubeadmin."""
    with server.registry_client() as client:
        yield client


# Registries shared by a test session (per xdist worker): tests work in repositories
# and projects of their own.


@pytest.fixture(scope="session")
def sqlite_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A filesystem registry with two worker processes, its metadata in SQLite."""
    yield from running_registry(tmp_path_factory, ["--workers", "2"])


@pytest.fixture(scope="session")
def postgresql_registry(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresCluster
) -> Iterator[RunningServer]:
    """A filesystem registry with two worker processes, its metadata in PostgreSQL."""
    url = postgres.create_database()
    yield from running_registry(tmp_path_factory, ["--workers", "2", "--database-url", url])


@pytest.fixture
def registry(request: pytest.FixtureRequest, metadata_backend: str) -> RunningServer:
    """The shared filesystem registry of the test's metadata backend."""
    return request.getfixturevalue(f"{metadata_backend}_registry")
