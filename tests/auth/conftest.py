"""A migrated SQLite store per test, for the auth components that keep state in it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from moorage.store.database import migrate, open_engine
from moorage.store.resources import ResourceStore


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    opened = open_engine(f"sqlite:///{tmp_path / 'metadata.db'}")
    migrate(opened)
    yield opened
    opened.dispose()


@pytest.fixture
def store(engine: Engine) -> ResourceStore:
    return ResourceStore(engine)
