"""Hot-path reads on one DBAPI connection per process, with SQL compiled once.

SQLAlchemy's execution machinery (pool checkout, result wrapping, rollback on
return) costs about ten times what the indexed lookup itself does: 200 us
against 20 us per manifest lookup on SQLite (docs/adr/0002). Statements are
still built from the schema's Table objects and compiled by the engine's own
dialect; only their execution is direct. Reads run on the event loop thread:
tens of microseconds on SQLite, a loopback round trip on PostgreSQL (ADR 0003).

The connection lives outside the pool, so no pre-ping guards it: when the
database drops it (a restart), the read is run once more on a new connection,
and errors are raised as on pooled connections (store/availability.py: a full
database as ENOSPC, an outage as store.errors.Unavailable).
"""

import os
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.sql import ClauseElement

from moorage.store.availability import translated

T = TypeVar("T")
Cursor = Any


class Prepared:
    def __init__(self, statement: ClauseElement, engine: Engine) -> None:
        compiled: Any = statement.compile(dialect=engine.dialect)  # a SQLCompiler
        self.sql = compiled.string
        self._order = compiled.positiontup if compiled.positional else None

    def arguments(self, params: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if self._order is None:
            return params
        return tuple(params[name] for name in self._order)


class FastReads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._errors = engine.dialect.loaded_dbapi.Error
        self._connection: Any = None
        self._pid = 0

    def prepare(self, statement: ClauseElement) -> Prepared:
        return Prepared(statement, self._engine)

    def one(self, query: Prepared, **params: Any) -> tuple[Any, ...] | None:
        arguments = query.arguments(params)
        return self._read(lambda cursor: cursor.execute(query.sql, arguments).fetchone())

    def all(
        self, query: Prepared, limit: int | None = None, **params: Any
    ) -> list[tuple[Any, ...]]:
        """The rows, or the first `limit` of them (read lazily: the rest are never fetched)."""
        if limit == 0:
            return []  # fetchmany(0) would fetch everything

        def fetch(cursor: Cursor) -> list[tuple[Any, ...]]:
            cursor.execute(query.sql, query.arguments(params))
            return cursor.fetchall() if limit is None else cursor.fetchmany(limit)

        return self._read(fetch)

    def close(self) -> None:
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None

    def _read(self, read: Callable[[Cursor], T]) -> T:
        """`read` on a cursor; once more on a new connection if the database dropped this one."""
        try:
            try:
                return self._attempt(read)
            except self._errors as exc:
                if not self._dropped(exc):
                    raise  # no connection to be had, or the read itself failed
            return self._attempt(read)
        except self._errors as exc:
            self._dropped(exc)
            raised = translated(self._engine.dialect, exc)
            if raised is not None:
                raise raised from exc
            raise

    def _attempt(self, read: Callable[[Cursor], T]) -> T:
        cursor = self._cursor()
        try:
            return read(cursor)
        finally:
            cursor.close()

    def _dropped(self, error: Any) -> bool:
        """Whether `error` says the database dropped our connection (which is then closed)."""
        connection = self._connection
        if connection is None or not self._engine.dialect.is_disconnect(error, connection, None):
            return False
        self.close()
        return True

    def _cursor(self) -> Cursor:
        if self._connection is None or self._pid != os.getpid():
            raw = self._engine.raw_connection()
            connection: Any = raw.driver_connection
            raw.detach()  # ours for the life of the process, outside the pool
            if self._engine.dialect.name != "sqlite":
                connection.rollback()  # end what the pool's ping began, if anything
                connection.autocommit = True  # each read sees the latest commit
            self._connection, self._pid = connection, os.getpid()
        return self._connection.cursor()
