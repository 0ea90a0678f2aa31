"""The store's engine: on SQLite writers of one process queue and never time out; on any
store no error or log line carries the SQL parameters (applicants' data)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from storage.db import Database
from storage.models import ProcessedEvent


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
