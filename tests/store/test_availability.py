"""An outage of the database is store.errors.Unavailable; a fault stays the driver's error."""

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from moorage.store.database import open_engine, sqlite_url
from moorage.store.errors import Unavailable
from moorage.store.fast_reads import FastReads
from tests.support.server import free_port

ON_POSTGRESQL = pytest.mark.parametrize("metadata_backend", ["postgresql"])


def raising(sqlstate: str) -> str:
    """A statement on which PostgreSQL itself fails with `sqlstate`."""
    return f"DO $$ BEGIN RAISE EXCEPTION 'raised' USING ERRCODE = '{sqlstate}'; END $$"


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


@ON_POSTGRESQL
def test_a_cancelled_statement_stays_the_drivers_error(engine: Engine) -> None:
    reads = FastReads(engine)
    reads.one(reads.prepare(text("SELECT set_config('statement_timeout', '1', false)")))
    with pytest.raises(engine.dialect.loaded_dbapi.Error) as raised:
        reads.one(reads.prepare(text("SELECT pg_sleep(1)")))
    assert raised.value.sqlstate == "57014"
    with pytest.raises(DBAPIError) as pooled, engine.connect() as conn:
        conn.exec_driver_sql("SET statement_timeout = 1")
        conn.execute(text("SELECT pg_sleep(1)"))
    assert pooled.value.orig.sqlstate == "57014"
    reads.close()


@ON_POSTGRESQL
@pytest.mark.parametrize(
    "sqlstate",
    [
        "22012",  # division by zero
        "40001",  # serialization failure
        "40P01",  # deadlock detected
        "55P03",  # lock not available
        "54000",  # program limit exceeded
    ],
)
def test_a_failing_statement_on_a_live_postgresql_stays_the_drivers_error(
    engine: Engine, sqlstate: str
) -> None:
    reads = FastReads(engine)
    with pytest.raises(engine.dialect.loaded_dbapi.Error) as raised:
        reads.one(reads.prepare(text(raising(sqlstate))))
    assert raised.value.sqlstate == sqlstate
    with pytest.raises(DBAPIError) as pooled, engine.connect() as conn:
        conn.execute(text(raising(sqlstate)))
    assert pooled.value.orig.sqlstate == sqlstate
    reads.close()


@ON_POSTGRESQL
@pytest.mark.parametrize(
    "sqlstate",
    [
        "08006",  # connection failure
        "57P01",  # admin shutdown
        "57P02",  # crash shutdown
        "57P03",  # cannot connect now
        "53300",  # too many connections
    ],
)
def test_a_postgresql_that_cannot_serve_now_is_unavailable(engine: Engine, sqlstate: str) -> None:
    reads = FastReads(engine)
    with pytest.raises(Unavailable):
        reads.one(reads.prepare(text(raising(sqlstate))))
    with pytest.raises(Unavailable), engine.connect() as conn:
        conn.execute(text(raising(sqlstate)))
    reads.close()


@ON_POSTGRESQL
def test_a_full_postgresql_is_enospc_to_pooled_and_hot_path_reads(engine: Engine) -> None:
    reads = FastReads(engine)
    with pytest.raises(OSError) as raised:
        reads.one(reads.prepare(text(raising("53100"))))
    assert raised.value.errno == errno.ENOSPC
    with pytest.raises(OSError) as pooled, engine.connect() as conn:
        conn.execute(text(raising("53100")))
    assert pooled.value.errno == errno.ENOSPC
    reads.close()
