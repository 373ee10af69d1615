"""An outage of the database is store.errors.Unavailable; a fault stays the driver's error."""

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from moorage.store.database import open_engine, sqlite_url
from moorage.store.errors import Unavailable
from moorage.store.fast_reads import FastReads
from tests.support.server import free_port


def test_an_unreachable_postgresql_is_unavailable_to_pooled_and_hot_path_reads() -> None:
    engine = open_engine(f"postgresql://moorage@127.0.0.1:{free_port()}/moorage")
    reads = FastReads(engine)
    with pytest.raises(Unavailable), engine.connect():
        pass
    with pytest.raises(Unavailable):
        reads.one(reads.prepare(text("SELECT 1")))
    engine.dispose()


def test_a_write_lock_held_past_the_busy_timeout_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "metadata.db"
    engine = open_engine(sqlite_url(path))
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA busy_timeout=10")  # not the 30 s a server waits
        conn.commit()
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(Unavailable), conn.execution_options(moorage_write=True).begin():
            pass
        holder.rollback()
    holder.close()
    engine.dispose()


def test_a_mistake_in_sql_stays_the_drivers_error_on_either_backend(engine: Engine) -> None:
    reads = FastReads(engine)
    missing = text("SELECT name FROM no_such_table")
    with pytest.raises(engine.dialect.loaded_dbapi.Error) as raised:
        reads.one(reads.prepare(missing))
    assert not isinstance(raised.value, Unavailable)
    with pytest.raises(DBAPIError), engine.connect() as conn:
        conn.execute(missing)
    reads.close()
