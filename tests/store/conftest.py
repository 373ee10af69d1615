"""The store's tests run on both metadata backends: a SQLite file and a PostgreSQL database."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from moorage.store.database import migrate, open_engine, sqlite_url
from tests.support.postgres import PostgresCluster


@pytest.fixture
def database_url(request: pytest.FixtureRequest, metadata_backend: str, tmp_path: Path) -> str:
    """A new, empty database of the test's backend."""
    if metadata_backend == "sqlite":
        return sqlite_url(tmp_path / "metadata.db")
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database("store")


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated database, disposed of after the test."""
    opened = open_engine(database_url)
    migrate(opened)
    yield opened
    opened.dispose()
