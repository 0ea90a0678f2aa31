"""The store's engine and transaction helper: writers of one SQLite process queue and never
time out; reads write nothing and cost no BEGIN/COMMIT on PostgreSQL; idle connections are
checked; no error or log line carries the SQL parameters (applicants' data)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

import storage.db
from storage.db import Database, ReadOnlyError
from storage.models import ProcessedEvent, Setting, utcnow


def test_writers_of_one_process_queue_instead_of_hitting_the_busy_timeout(
    tmp_path: Path,
) -> None:
    # a busy timeout far shorter than the first writer's transaction
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}", connect_args={"timeout": 0.05})
    with db.transaction() as session:
        session.execute(text("CREATE TABLE t (n INTEGER)"))
    first_in, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first_writer() -> None:
        with db.transaction() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            first_in.set()
            release.wait(5)

    def second_writer() -> None:
        try:
            with db.transaction() as session:
                session.execute(text("INSERT INTO t VALUES (2)"))
        except BaseException as exc:  # recorded for the assertion below
            errors.append(exc)

    first = threading.Thread(target=first_writer)
    first.start()
    assert first_in.wait(5)
    second = threading.Thread(target=second_writer)
    second.start()
    second.join(0.3)  # six busy timeouts long: without the queue it has failed by now
    release.set()
    first.join(5)
    second.join(5)
    assert errors == []
    with db.read() as session:
        assert sorted(session.scalars(text("SELECT n FROM t"))) == [1, 2]
    db.dispose()


def test_no_error_or_log_line_carries_sql_parameters(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Yrsa Quillfeather-Berg wrote this"
    with pytest.raises(DBAPIError) as refused, db.read() as session:
        session.execute(text("SELECT * FROM no_such_table WHERE x = :typed"), {"typed": secret})
    assert secret not in str(refused.value) and "parameters hidden" in str(refused.value)
    echoed = Database(db.url, echo=True)
    with caplog.at_level(logging.INFO, logger="sqlalchemy.engine"), echoed.read() as session:
        session.execute(select(ProcessedEvent).where(ProcessedEvent.key == secret))
    echoed.dispose()
    assert "SELECT" in caplog.text and secret not in caplog.text


def test_a_read_refuses_to_write(db: Database) -> None:
    with pytest.raises(ReadOnlyError), db.read() as session:
        session.add(Setting(key="written.by.a.read", value="x", updated_at=utcnow()))
    with db.read() as session:
        assert session.get(Setting, "written.by.a.read") is None


@pytest.mark.postgres
def test_an_autocommit_read_opens_no_transaction_on_postgres(db: Database) -> None:
    if not db.is_postgres:
        pytest.skip("SQLite's BEGIN and COMMIT are calls inside the process, not round trips")
    from psycopg.pq import TransactionStatus

    with db.transaction(write=False, autocommit=True) as session:
        assert session.scalar(text("SELECT 1")) == 1
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status == TransactionStatus.IDLE
    with db.transaction(write=False) as session:
        session.scalar(text("SELECT 1"))
        raw = session.connection().connection.dbapi_connection
        assert raw is not None and raw.info.transaction_status == TransactionStatus.INTRANS


@pytest.mark.postgres
def test_a_connection_closed_while_idle_is_replaced_before_use(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    if not db.is_postgres:
        pytest.skip("a SQLite store is a file: no server closes its connections")
    store = Database(db.url, pool_size=1, max_overflow=0)
    with store.read() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    with db.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()
    # the connection has sat idle long enough to be pinged
    monkeypatch.setattr(storage.db, "IDLE_PING_SECONDS", 0.0)
    with store.read() as session:
        assert session.scalar(text("SELECT pg_backend_pid()")) != pid
    store.dispose()
