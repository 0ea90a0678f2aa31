"""Engine and sessions: SQLite (embedded default, WAL) or PostgreSQL, one transaction helper.

Every write runs in one transaction: on SQLite it starts with BEGIN IMMEDIATE, because in
WAL a deferred transaction that reads then writes fails at once with "database is locked".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool, StaticPool

SQLITE_BUSY_TIMEOUT_MS = 15_000


def make_engine(url: str, *, echo: bool = False, **kwargs: Any) -> Engine:
    # Parameters are applicants' names and texts: no error message or log line carries them.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo=echo, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    return create_engine(url, echo=echo, **kwargs)


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
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error."""
        queue = self._write_lock if write and self._write_lock is not None else nullcontext()
        with queue, self.engine.connect() as conn:
            conn.execution_options(s3desk_write=write)
            session = self._sessions(bind=conn)
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


def null_pool_database(url: str) -> Database:
    """A store that keeps no idle connections: for one-shot CLI commands and child processes."""
    return Database(url, poolclass=NullPool)
