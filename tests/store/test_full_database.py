"""A metadata database whose disk is full: a write fails with ENOSPC, as a full blob store's
does (so both are told to users alike), and succeeds again once space is freed.

The database lives on a small tmpfs of its own: the SQLite file, or a PostgreSQL database
created in a tablespace there.
"""

import errno
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.resources import ResourceStore
from tests.store.test_resources import configmap
from tests.support.postgres import PostgresCluster
from tests.support.volumes import fill, small_volume


@pytest.fixture
def volume() -> Iterator[Path]:
    # Not under tmp_path: the postgres user must reach it, and pytest's directories are root's.
    mount_point = Path(tempfile.mkdtemp(prefix="moorage-full-"))
    mount_point.chmod(0o755)
    try:
        with small_volume(mount_point, 32) as path:
            yield path
    finally:
        mount_point.rmdir()


@pytest.fixture
def url_on_volume(
    request: pytest.FixtureRequest, metadata_backend: str, volume: Path
) -> Iterator[str]:
    if metadata_backend == "sqlite":
        yield sqlite_url(volume / "metadata.db")
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    location = volume / "tablespace"
    location.mkdir()
    shutil.chown(location, "postgres", "postgres")
    name = f"full_{uuid.uuid4().hex[:12]}"
    with cluster.connect() as conn:
        conn.execute(f"CREATE TABLESPACE {name} LOCATION '{location}'")
        conn.execute(f"CREATE DATABASE {name} TABLESPACE {name}")
    yield cluster.url(name)
    with cluster.connect() as conn:
        conn.execute(f"DROP DATABASE {name}")
        conn.execute(f"DROP TABLESPACE {name}")


@pytest.fixture
def engine(url_on_volume: str) -> Iterator[Engine]:
    opened = open_engine(url_on_volume)
    migrate(opened)
    yield opened
    opened.dispose()


def create(store: ResourceStore, name: str) -> None:
    # Random hex: compression cannot shrink it into pages the database already has.
    with store.transaction() as tx:
        tx.create(*configmap("ns", name, payload=os.urandom(512 * 1024).hex()))


def test_a_write_to_a_full_database_fails_with_enospc_and_works_once_space_is_freed(
    engine: Engine, volume: Path
) -> None:
    store = ResourceStore(engine)
    create(store, "before")
    fill(volume / "filler")
    with pytest.raises(OSError) as raised:
        create(store, "while-full")
    assert raised.value.errno == errno.ENOSPC
    (volume / "filler").unlink()
    create(store, "after")
    with store.reading() as tx:
        names = [obj["metadata"]["name"] for obj in tx.list("", "configmaps", "ns").items]
    assert sorted(names) == ["after", "before"]
