"""The store's transaction helper on SQLite: writers of one process queue, never time out."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import text

from storage.db import Database


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
