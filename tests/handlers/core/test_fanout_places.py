"""A notice to the places of a purpose: one statement when it comes alone, the same rows as
when it comes with others."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from handlers.core.fanout import schedule
from handlers.core.types import Audience, Card, Notice
from storage.db import Database
from storage.models import OutboxMessage, Place
from tests.case_helpers import StatementCounter

REMINDERS = Audience("places", purpose="reminders")


def rows(db: Database) -> list[dict[str, Any]]:
    with db.read() as session:
        found = session.scalars(select(OutboxMessage).order_by(OutboxMessage.dedupe_key))
        return [{"key": r.dedupe_key, "platform": r.platform, "target": r.target,
                 "edit_of": r.edit_of, "thread_key": r.thread_key, "due_at": r.due_at,
                 "useful_until": r.useful_until, "card": r.card, "status": r.status}
                for r in found]


def notice(key: str, due: datetime) -> Notice:
    return Notice(REMINDERS, Card(title=f"Reminder {key}"), key=key, kind="reminder",
                  thread_key="case:TA-2026-0001", edit_of=f"{key}:root", due_at=due,
                  useful_until=due + timedelta(days=1))


def test_one_notice_to_places_is_one_statement_with_the_rows_of_the_general_path(
        db: Database, now: datetime) -> None:
    with db.transaction() as session:
        session.add_all([
            Place(platform="slack", purpose="reminders", channel_id="C1",
                  registered_at=now - timedelta(days=2)),
            Place(platform="teams", purpose="reminders", channel_id="19:T1",
                  registered_at=now - timedelta(days=2)),
            # registered after the reminders fell due: they do not reach it
            Place(platform="slack", purpose="reminders", channel_id="C2", registered_at=now),
            Place(platform="slack", purpose="evaluation", channel_id="C3",
                  registered_at=now - timedelta(days=2)),
        ])
    due = now - timedelta(hours=1)
    with db.transaction() as session, StatementCounter(db) as counter:
        assert schedule(session, [notice("alone", due)], now) == 2
    assert counter.count == 1
    with db.transaction() as session:
        assert schedule(session, [notice("first", due), notice("second", due)], now) == 4
        # scheduled again: nothing twice
        assert schedule(session, [notice("alone", due)], now) == 0
    found = rows(db)
    by_key = {row["key"]: row for row in found}
    assert set(by_key) == {f"{key}:{target}" for key in ("alone", "first", "second")
                           for target in ("slack:C1", "teams:19:T1")}
    for key in ("first", "second"):
        for target in ("slack:C1", "teams:19:T1"):
            alone, general = by_key[f"alone:{target}"], by_key[f"{key}:{target}"]
            assert alone["edit_of"] == f"alone:root:{target}"
            assert general["edit_of"] == f"{key}:root:{target}"
            assert {k: v for k, v in alone.items() if k not in ("key", "edit_of", "card")} == \
                {k: v for k, v in general.items() if k not in ("key", "edit_of", "card")}
            assert alone["card"]["title"] == "Reminder alone"
