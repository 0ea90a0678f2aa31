"""The limit of a command: the bare app's ack plus that command's own SQL, run directly.

Each command runs once through the desk in this process, as the server runs it (in a
transaction rolled back afterwards, so the store stays as the load found it), while every
statement and its parameters are recorded as the driver received them. They are then
replayed with the driver alone (psycopg or sqlite3, no SQLAlchemy, no S3 Desk), inside a
transaction rolled back when the command writes, and timed. No implementation of the
command can cost less than the bare app plus these statements: the report sets each
command's figures beside that limit.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bench.load import Command
from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from storage.db import Database

RUNS = 300
WARMUP = 20
WRITES = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any
    many: bool


@dataclass(frozen=True)
class SqlCost:
    """One run of a command's statements with the driver alone."""

    statements: int
    cpu_ms: float
    wall_ms: float


def sql_costs(url: str, samples: dict[str, Command], runs: int = RUNS) -> dict[str, SqlCost]:
    """The direct cost of each sample command's statements on the store at `url`."""
    db = Database(url)
    try:
        desk = Desk(_RolledBack(db), load_registry(), ProgrammeConfig())  # type: ignore[arg-type]
        return {label: replay(db, capture(db, desk, command), runs)
                for label, command in samples.items()}
    finally:
        db.dispose()


def capture(db: Database, desk: Desk, command: Command) -> list[Statement]:
    """The statements one run of `command` sends (transaction control left out)."""
    seen: list[Statement] = []

    def record(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any,
               many: bool) -> None:
        if not sql.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            seen.append(Statement(sql, parameters, many))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        outcome = desk.handle(Inbound("slack", command.user_id, command.text,
                                      datetime.now(UTC), source_id=f"limit-{uuid.uuid4()}"))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    if outcome.reply.tone == "error":
        raise RuntimeError(f"{command.text!r} failed: {outcome.reply.text}")
    return seen


class _RolledBack:
    """The store as the desk sees it, every transaction rolled back at its end."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def transaction(self, *, write: bool = True, autocommit: bool = False) -> Iterator[Session]:
        with self.db.engine.connect() as conn:
            conn.execution_options(s3desk_write=write)
            outer = conn.begin()
            session = Session(bind=conn, expire_on_commit=False)
            try:
                yield session
                session.flush()
            finally:
                session.close()
                outer.rollback()

    def read(self) -> Any:
        return self.transaction(write=False)


def replay(db: Database, statements: list[Statement], runs: int) -> SqlCost:
    """Run the statements `runs` times with the driver; CPU and wall time per run."""
    writes = any(s.sql.lstrip().upper().startswith(WRITES) for s in statements)
    pooled = db.engine.raw_connection()
    raw: Any = pooled.dbapi_connection
    try:
        if db.is_postgres:
            # reads as the desk runs them on PostgreSQL: no BEGIN, no COMMIT
            raw.autocommit = not writes
        cursor = raw.cursor()
        for _ in range(WARMUP):
            _run(db, raw, cursor, statements, writes)
        walls = []
        started = time.process_time()
        for _ in range(runs):
            begun = time.perf_counter()
            _run(db, raw, cursor, statements, writes)
            walls.append(time.perf_counter() - begun)
        cpu = time.process_time() - started
        cursor.close()
    finally:
        if db.is_postgres:
            raw.autocommit = False
        pooled.close()
    return SqlCost(len(statements), 1000 * cpu / runs, 1000 * statistics.median(walls))


def _run(db: Database, raw: Any, cursor: Any, statements: list[Statement],
         writes: bool) -> None:
    if db.is_sqlite:
        cursor.execute("BEGIN IMMEDIATE" if writes else "BEGIN")
    for statement in statements:
        if statement.many:
            cursor.executemany(statement.sql, statement.parameters)
        else:
            cursor.execute(statement.sql, statement.parameters)
        if cursor.description is not None:
            cursor.fetchall()
    if db.is_sqlite:
        cursor.execute("ROLLBACK")
    elif writes:
        raw.rollback()
