"""Opening the metadata database and bringing its schema up to date.

Two backends: SQLite (a file in the data directory, the default) and
PostgreSQL (given a URL). Write transactions are serialized on both, so
every read-check-write transaction in the store behaves the same (ADR 0003).
"""

from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError

from moorage.store import availability

MIGRATIONS = Path(__file__).parent / "migrations"
BACKENDS = ("sqlite", "postgresql")
# The key of the PostgreSQL advisory lock every write transaction holds ("moor").
WRITE_LOCK = 0x6D6F6F72
# Seconds to wait for PostgreSQL to accept a connection.
CONNECT_TIMEOUT = "5"


class DatabaseUrlError(ValueError):
    """A database URL moorage cannot use; the message says why."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(url: str) -> URL:
    """Parse and check a URL; plain `postgresql://` (and `postgres://`) mean psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(f"not a database URL: {masked(url)}") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        parsed, backend = parsed.set(drivername="postgresql"), "postgresql"
    if backend not in BACKENDS:
        raise DatabaseUrlError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def masked(url: str | URL) -> str:
    """The URL as it may be logged: with its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def open_engine(url: str | URL) -> Engine:
    """An engine whose outages raise store.errors.Unavailable (and a full database ENOSPC),
    and whose connections come back."""
    parsed = database_url(str(url)) if isinstance(url, str) else url
    sqlite = parsed.get_backend_name() == "sqlite"
    engine = _sqlite_engine(parsed) if sqlite else _postgresql_engine(parsed)
    availability.watch(engine)
    return engine


def writer(engine: Engine) -> Engine:
    """The engine to open write transactions on.

    Write transactions are serialized: on SQLite they begin IMMEDIATE (the
    write lock is taken, waiting up to busy_timeout, before the first read);
    on PostgreSQL they first take a transaction-scoped advisory lock, at READ
    COMMITTED, so each later statement sees every commit made before the lock
    was granted. A transaction that reads, checks and then writes therefore
    never races another writer, and commits happen in the order of the
    sequence numbers they draw.
    """
    return engine.execution_options(moorage_write=True)


def row_locking(engine: Engine) -> Engine:
    """The engine for transactions that lock the rows they change (SELECT ... FOR UPDATE)
    instead of taking the write lock, so they never hold up the request path's writers
    beyond those rows: PostgreSQL at READ COMMITTED (each statement sees every commit before
    it). SQLite has no row locks: there the IMMEDIATE write transaction is the lock."""
    if engine.dialect.name == "postgresql":
        return engine
    return writer(engine)


def reader(engine: Engine) -> Engine:
    """The engine for read transactions that must see one snapshot across statements.

    SQLite's deferred transactions do in WAL mode; PostgreSQL needs REPEATABLE READ.
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="REPEATABLE READ")
    return engine


def migrate(engine: Engine) -> None:
    """Run every pending Alembic migration against `engine`, one migrating process at a time."""
    # Alembic is needed only here, in the process that migrates: workers never load it.
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with writer(engine).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _sqlite_engine(url: URL) -> Engine:
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        pool_size=8,
        max_overflow=8,
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _postgresql_engine(url: URL) -> Engine:
    # Hot-path reads reconnect on the event loop (FastReads): an unreachable host must not
    # hold it for the minutes a TCP connect can take. A timeout in the URL wins.
    url = url.update_query_dict({"connect_timeout": CONNECT_TIMEOUT} | dict(url.query))
    # Pre-ping: a connection the server dropped (a restart) is replaced at checkout.
    engine = create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)
    event.listen(engine, "begin", _postgresql_begin)
    return engine


def _is_write(conn) -> bool:  # type: ignore[no-untyped-def]
    return bool(conn.get_execution_options().get("moorage_write", False))


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _is_write(conn) else "BEGIN")


def _postgresql_begin(conn) -> None:  # type: ignore[no-untyped-def]
    if _is_write(conn):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Transactions are begun explicitly (see _sqlite_begin), not by the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a transaction acknowledged to a client survives power loss, not just a crash.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
