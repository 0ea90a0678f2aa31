"""Edits of one posted message: only the newest waiting edit goes out (older waiting ones are
marked superseded when the messenger claims, off the request path)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from handlers.core.fanout import schedule
from handlers.core.types import Audience, Card, Notice
from storage.db import Database
from storage.models import OutboxMessage, Place
from storage.outbox import claim_due

EVALUATION = Audience("places", purpose="evaluation")


def progress(n: int) -> Notice:
    return Notice(EVALUATION, Card(title=f"{n} of 3 scored"), key=f"case:TA-2026-0001:progress:{n}",
                  thread_key="case:TA-2026-0001", edit_of="case:TA-2026-0001:post")


ROOT = Notice(EVALUATION, Card(title="TA-2026-0001: Agency"), key="case:TA-2026-0001:post",
              thread_key="case:TA-2026-0001", starts_thread=True)


def claim(db: Database, now: datetime) -> list[str]:
    claims = claim_due(db, now=now, worker_id="w1", lease=timedelta(minutes=5), limit=10,
                       platforms=("slack",))
    return [c.dedupe_key.split(":")[3] for c in claims]


def statuses(db: Database) -> dict[str, str]:
    """The status of each progress edit, by its number."""
    with db.read() as session:
        rows = session.execute(select(OutboxMessage.dedupe_key, OutboxMessage.status)
                               .where(OutboxMessage.edit_of.is_not(None)))
        return {key.split(":")[3]: status for key, status in rows}


def test_a_newer_edit_supersedes_the_waiting_one(db: Database, now: datetime) -> None:
    with db.transaction() as session:
        session.add(Place(platform="slack", purpose="evaluation", channel_id="C1"))
        session.flush()
        schedule(session, [ROOT, progress(1)], now)
    with db.transaction() as session:
        schedule(session, [progress(2)], now)
        # the root is posted: its edits may go out
        session.execute(OutboxMessage.__table__.update()
                        .where(OutboxMessage.edit_of.is_(None))
                        .values(status="sent", message_id="1700000000.0001"))
    assert statuses(db) == {"1": "pending", "2": "pending"}
    assert claim(db, now) == ["2"]
    assert statuses(db) == {"1": "superseded", "2": "sending"}


def test_an_edit_already_sent_is_left_alone(db: Database, now: datetime) -> None:
    with db.transaction() as session:
        session.add(Place(platform="slack", purpose="evaluation", channel_id="C1"))
        session.flush()
        schedule(session, [ROOT, progress(1)], now)
        session.execute(OutboxMessage.__table__.update().values(status="sent"))
    with db.transaction() as session:
        schedule(session, [progress(2), progress(3)], now)
    assert claim(db, now) == ["3"]
    assert statuses(db) == {"1": "sent", "2": "superseded", "3": "sending"}
