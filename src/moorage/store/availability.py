"""The driver's errors told apart: a full database, an outage, or a fault.

A full database is what a full disk is: the store raises OSError(ENOSPC), told to
users as the blob store's is. PostgreSQL restarting, unreachable or out of
connections, or SQLite's write lock held past the busy timeout, is an outage, not
a bug: the store raises Unavailable (the driver's error chained), which the servers
answer with 503 in their protocol's format. Anything else (a serialization failure,
a deadlock, a cancelled statement) stays the driver's error, a fault to be seen. The log
says when an outage begins and when the database answers again, one line each,
instead of a traceback per request. Pooled connections come back through the
pool's pre-ping; FastReads reconnects its own (see there).
"""

import errno
import logging
import sqlite3
import threading
import time

from sqlalchemy import Engine, event
from sqlalchemy.engine import Dialect, ExceptionContext

from moorage.store.errors import Unavailable

log = logging.getLogger("moorage.store")
# SQLite's primary result codes for a lock held by another connection.
_SQLITE_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_SQLITE_FULL = sqlite3.SQLITE_FULL
_POSTGRESQL_DISK_FULL = "53100"
# PostgreSQL's SQLSTATEs for a server that cannot answer now: admin shutdown, crash
# shutdown, cannot connect now, too many connections; and class 08, connection exceptions.
_POSTGRESQL_OUTAGES = frozenset({"57P01", "57P02", "57P03", "53300"})
_POSTGRESQL_CONNECTION_CLASS = "08"
# Failures further apart than this belong to separate outages (SQLite never reconnects).
QUIET_SECONDS = 30.0
MESSAGE = "the metadata database is unavailable; try again shortly"

_lock = threading.Lock()
_began: float | None = None
_last_failure = 0.0


def watch(engine: Engine) -> None:
    """Raise `engine`'s errors as `translated` says, and log outages as they begin and end."""
    event.listen(engine, "handle_error", _on_error)
    if engine.dialect.name != "sqlite":  # a lock's end is no new connection: the quiet gap tells
        event.listen(engine, "connect", _on_connect)


def translated(dialect: Dialect, error: BaseException) -> Exception | None:
    """The error the store raises for the driver's `error`; None when that is a fault.

    OSError(ENOSPC) for a full database, Unavailable for an outage (logged as outages are).
    """
    if _is_full(error):
        return OSError(errno.ENOSPC, f"the metadata database cannot grow: {error}")
    if _is_outage(dialect, error):
        return unavailable(error)
    return None


def _is_full(error: BaseException) -> bool:
    return _sqlite_code(error) == _SQLITE_FULL or (
        getattr(error, "sqlstate", None) == _POSTGRESQL_DISK_FULL
    )


def _is_outage(dialect: Dialect, error: BaseException) -> bool:
    """`error`, raised by the driver, means the database cannot answer now, not that we erred."""
    dbapi = dialect.loaded_dbapi
    if dialect.name == "sqlite":
        return isinstance(error, dbapi.OperationalError) and _sqlite_code(error) in _SQLITE_BUSY
    if not isinstance(error, (dbapi.OperationalError, dbapi.InterfaceError)):
        return False
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is None:  # no server answered: never connected, or the connection is gone
        return True
    return sqlstate in _POSTGRESQL_OUTAGES or sqlstate.startswith(_POSTGRESQL_CONNECTION_CLASS)


def _sqlite_code(error: BaseException) -> int:
    """The primary result code of SQLite's (extended) code for `error`; 0 when it has none."""
    return (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF


def unavailable(error: BaseException) -> Unavailable:
    """The error to raise for an outage; the first of an outage is logged."""
    global _began, _last_failure
    now = time.monotonic()
    with _lock:
        starts = _began is None or now - _last_failure > QUIET_SECONDS
        if starts:
            _began = now
        _last_failure = now
    if starts:
        log.warning("the metadata database is unavailable: %s", _first_line(error))
    return Unavailable(MESSAGE)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _on_error(context: ExceptionContext) -> BaseException | None:
    # A failed pre-ping is how the pool finds a dropped connection, and it then reconnects.
    if context.is_pre_ping:
        return None
    return translated(context.dialect, context.original_exception)


def _on_connect(_dbapi_connection: object, _record: object) -> None:
    global _began
    with _lock:
        began, _began = _began, None
    if began is not None:
        log.info("the metadata database answers again after %.1f s", time.monotonic() - began)
