"""Engine and sessions: SQLite (embedded default, WAL) or PostgreSQL, one transaction helper.

Every write runs in one transaction: on SQLite it starts with BEGIN IMMEDIATE, because in
WAL a deferred transaction that reads then writes fails at once with "database is locked".

A read may run without BEGIN and COMMIT on PostgreSQL (`autocommit`, as the desk's read
commands do): under READ COMMITTED every statement takes its own snapshot anyway, so a
transaction around reads adds two round trips and no consistency. A read that tries to
write through the ORM is refused.

A pooled PostgreSQL connection that sat idle is pinged before use (the server or a firewall
may have closed it meanwhile); one in steady use is not, which saves a round trip a command.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Engine, Executable, Row, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, StaticPool

SQLITE_BUSY_TIMEOUT_MS = 15_000
# a pooled connection unused for longer than this is pinged before it is handed out
IDLE_PING_SECONDS = 10.0


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    # Parameters are applicants' names and texts: no error message or log line carries them.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo, **kwargs)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, echo=echo, **kwargs)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:
            # the pool drops this connection and hands out another one
            raise DisconnectionError("a pooled connection was closed while idle") from exc


def _sqlite_engine(url: str, *, echo: bool, **kwargs: Any) -> Engine:
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    if in_memory:
        kwargs.setdefault("poolclass", StaticPool)
    elif "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_MS / 1000)
    busy_timeout_ms = int(connect_args["timeout"] * 1000)
    # Let SQLAlchemy, not pysqlite, decide where transactions begin.
    connect_args["isolation_level"] = None
    engine = create_engine(url, echo=echo, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        if not in_memory:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get("s3desk_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """The one store both platforms and the console share."""

    def __init__(self, url: str, *, echo: bool = False, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._read_sessions, "before_flush", _refuse_writes)
        # SQLite takes one writer at a time; a writer that finds the file locked sleeps in
        # SQLite's busy handler (up to 100 ms a try). Queueing this process's writers on a lock
        # instead hands the file over the moment it is free.
        self._write_lock = threading.RLock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, *, write: bool = True, autocommit: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error.

        `autocommit` (a read only): on PostgreSQL no BEGIN and COMMIT are sent, and each
        statement reads its own snapshot, as under READ COMMITTED it does anyway. A read
        that streams with a server-side cursor (`yield_per`) needs the transaction."""
        queue = self._write_lock if write and self._write_lock is not None else nullcontext()
        with queue, self.engine.connect() as conn:
            conn.execution_options(s3desk_write=write)
            if autocommit and not write and self.is_postgres:
                conn.execution_options(isolation_level="AUTOCOMMIT")
            session = (self._sessions if write else self._read_sessions)(bind=conn)
            try:
                with conn.begin():
                    yield session
                    session.flush()
            finally:
                session.close()

    def read(self) -> Any:
        return self.transaction(write=False)

    def dispose(self) -> None:
        self.engine.dispose()


def core_rows(session: Session, stmt: Executable,
              params: Mapping[str, Any] | None = None) -> Sequence[Row[Any]]:
    """The rows of a statement of columns, run on the session's connection past the ORM's
    result handling (a third of the cost of a small read). Pending changes are flushed
    first, as the ORM would."""
    session.flush()
    return session.connection().execute(stmt, params).all()


RowShape = TypeVar("RowShape")


def core_rows_as(session: Session, stmt: Executable, params: Mapping[str, Any] | None,
                 shape: Callable[..., RowShape]) -> list[RowShape]:
    """`core_rows`, each row made a `shape` (a NamedTuple of the statement's columns, in
    order): typed, and read by name in nanoseconds, where a Row finds a column by name
    only after a failed attribute lookup (most of a microsecond each, and a page of rows
    reads over a hundred)."""
    return [shape(*row) for row in core_rows(session, stmt, params)]


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.deleted or any(map(session.is_modified, session.dirty)):
        raise ReadOnlyError("a read-only transaction tried to write")


class ReadOnlyError(RuntimeError):
    """Changes made in `Database.read()`: a command that writes must say so."""


def null_pool_database(url: str) -> Database:
    """A store that keeps no idle connections: for one-shot CLI commands and child processes."""
    return Database(url, poolclass=NullPool)
