"""Database outages: told apart from faults, raised as Unavailable, logged once each.

PostgreSQL restarting or unreachable, or SQLite's write lock held past the busy
timeout, is an outage, not a bug: the store raises Unavailable (the driver's error
chained), which the servers answer with 503 in their protocol's format. The log
says when an outage begins and when the database answers again, one line each,
instead of a traceback per request. Pooled connections come back through the
pool's pre-ping; FastReads reconnects its own (see there).
"""

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
# Failures further apart than this belong to separate outages (SQLite never reconnects).
QUIET_SECONDS = 30.0
MESSAGE = "the metadata database is unavailable; try again shortly"

_lock = threading.Lock()
_began: float | None = None
_last_failure = 0.0


def watch(engine: Engine) -> None:
    """Turn `engine`'s outage errors into Unavailable, and log outages as they begin and end."""
    event.listen(engine, "handle_error", _on_error)
    if engine.dialect.name != "sqlite":  # a lock's end is no new connection: the quiet gap tells
        event.listen(engine, "connect", _on_connect)


def is_outage(dialect: Dialect, error: BaseException) -> bool:
    """`error`, raised by the driver, means the database cannot answer now, not that we erred."""
    dbapi = dialect.loaded_dbapi
    if dialect.name == "sqlite":
        code = getattr(error, "sqlite_errorcode", 0) & 0xFF  # the primary code of an extended one
        return isinstance(error, dbapi.OperationalError) and code in _SQLITE_BUSY
    return isinstance(error, (dbapi.OperationalError, dbapi.InterfaceError))


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
    error = context.original_exception
    if getattr(context, "chained_exception", None) is not None:  # an earlier handler named it
        return None
    if context.is_pre_ping or not is_outage(context.dialect, error):
        return None
    return unavailable(error)


def _on_connect(_dbapi_connection: object, _record: object) -> None:
    global _began
    with _lock:
        began, _began = _began, None
    if began is not None:
        log.info("the metadata database answers again after %.1f s", time.monotonic() - began)
