"""The last two evaluators submit at the same moment: the case becomes `scored` exactly once.

Under READ COMMITTED each transaction sees only its own new score, so a completeness check
without a lock would never fire. `settle_panel` locks the case row before counting; the
first to take the lock sees one score, the second (after the first committed) sees both.
"""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from handlers.core.audit import Auditor
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.evaluation.score_flow import settle_panel, store_score
from storage.db import Database
from storage.models import Application
from tests.conftest import Chat
from tests.evaluation_helpers import (
    add_cutoff,
    open_case,
    scored_status_rows,
    status_of,
)

VALUES = {"relevance": 4, "need": 4, "feasibility": 4, "impact": 4}


def _two_evaluators(chat: dict[str, Chat], db: Database) -> str:
    add_cutoff(db)
    ref = open_case(chat, db)
    assert chat["sec"](f"assign {ref} eva ed").reply.tone == "success"
    return ref


def test_both_insert_then_settle_fires_once_on_postgres(
        chat: dict[str, Chat], db: Database, database_url: str, config: ProgrammeConfig,
        people: dict[str, int], now: datetime) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs two PostgreSQL connections holding row locks at once; on SQLite "
                    "BEGIN IMMEDIATE serialises writers, so the second submitter cannot "
                    "reach the point under test while the first is open "
                    "(set S3DESK_TEST_DATABASE_URL to a PostgreSQL database)")
    ref = _two_evaluators(chat, db)
    both_inserted = threading.Barrier(2)
    fired: list[str] = []
    errors: list[BaseException] = []

    def submit(person_id: int) -> None:
        try:
            with db.transaction() as session:
                app = session.scalar(select(Application).where(Application.ref == ref))
                assert app is not None
                audit = Auditor(session, now, person_id, "test")
                store_score(session, app, person_id, None, dict(VALUES), "", now, audit)
                # both scores are written but neither is committed: the moment of the race
                both_inserted.wait(timeout=60)
                notices = settle_panel(session, ref, config, audit)
                fired.extend(n.key for n in notices if ":complete:" in n.key)
        except BaseException as exc:  # surfaced below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(people[name],)) for name in ("eva", "ed")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert status_of(db, ref) == "scored"
    assert scored_status_rows(db, ref) == 1
    assert len(fired) == 1


def test_two_last_scores_through_the_desk_at_once(chat: dict[str, Chat], db: Database,
                                                  desk: Desk, now: datetime) -> None:
    """Runs on both stores: PostgreSQL waits on the row lock, SQLite on BEGIN IMMEDIATE."""
    ref = _two_evaluators(chat, db)
    start = threading.Barrier(2)
    replies: dict[str, str] = {}

    def submit(name: str) -> None:
        start.wait(timeout=60)
        outcome = desk.handle(Inbound(platform="console", user_id=name, now=now,
                                      text=f"score {ref} relevance=4 need=4 feasibility=4 "
                                           "impact=4"))
        replies[name] = outcome.reply.tone

    threads = [threading.Thread(target=submit, args=(name,)) for name in ("eva", "ed")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == {"eva": "success", "ed": "success"}
    assert status_of(db, ref) == "scored"
    assert scored_status_rows(db, ref) == 1
