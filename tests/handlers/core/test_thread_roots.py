"""A case-thread notice for a place that has no root for the case starts the thread there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from handlers.core.fanout import schedule
from handlers.core.types import Audience, Card, Notice
from storage.db import Database
from storage.models import OutboxMessage, Place

CASE = "TA-2026-0001"
EVALUATION = Audience("places", purpose="evaluation")


def root() -> Notice:
    return Notice(EVALUATION, Card(title=f"{CASE}: Agency"), key=f"case:{CASE}:post",
                  kind="case", thread_key=f"case:{CASE}", starts_thread=True)


def post(what: str, audience: Audience = EVALUATION) -> Notice:
    return Notice(audience, Card(title=f"{CASE}: {what}"), key=f"case:{CASE}:{what}",
                  kind="case_thread", thread_key=f"case:{CASE}")


def edit(n: int) -> Notice:
    return Notice(EVALUATION, Card(title=f"{CASE}: Agency, {n} of 2 scored"),
                  key=f"case:{CASE}:progress:{n}", kind="case_progress",
                  thread_key=f"case:{CASE}", edit_of=f"case:{CASE}:post")


def add_place(db: Database, channel: str, purpose: str = "evaluation") -> None:
    with db.transaction() as session:
        session.add(Place(platform="slack", purpose=purpose, channel_id=channel))


def rows(db: Database) -> dict[str, tuple[bool, str | None]]:
    """dedupe key -> (starts the thread, the key of the message it edits)"""
    with db.read() as session:
        return {r.dedupe_key: (r.starts_thread, r.edit_of)
                for r in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def schedule_now(db: Database, now: datetime, *notices: Notice) -> None:
    with db.transaction() as session:
        schedule(session, notices, now)


def test_a_post_goes_under_the_root_where_there_is_one_and_starts_the_thread_elsewhere(
        db: Database, now: datetime) -> None:
    add_place(db, "C-OLD")
    schedule_now(db, now, root())
    add_place(db, "C-NEW")  # registered after the case card went out
    schedule_now(db, now, post("decision"))
    assert rows(db) == {
        f"case:{CASE}:post:slack:C-OLD": (True, None),
        f"case:{CASE}:decision:slack:C-OLD": (False, None),
        f"case:{CASE}:decision:slack:C-NEW": (True, None),
    }


def test_an_edit_of_the_root_becomes_the_root_where_there_is_none(
        db: Database, now: datetime) -> None:
    add_place(db, "C1")
    # posts come first in the batch, yet the full case card is what roots the thread
    schedule_now(db, now, post("assigned:1"), post("assigned:2"), edit(1))
    assert rows(db) == {
        f"case:{CASE}:assigned:1:slack:C1": (False, None),
        f"case:{CASE}:assigned:2:slack:C1": (False, None),
        f"case:{CASE}:progress:1:slack:C1": (True, None),
    }
    schedule_now(db, now, edit(2))
    assert rows(db)[f"case:{CASE}:progress:2:slack:C1"] == (
        False, f"case:{CASE}:progress:1:slack:C1")


def test_a_later_edit_changes_the_root_a_post_started(db: Database, now: datetime) -> None:
    add_place(db, "C1")
    schedule_now(db, now, post("consensus"))
    schedule_now(db, now, edit(1))
    assert rows(db) == {
        f"case:{CASE}:consensus:slack:C1": (True, None),
        f"case:{CASE}:progress:1:slack:C1": (False, f"case:{CASE}:consensus:slack:C1"),
    }


def test_a_root_that_never_landed_does_not_count(db: Database, now: datetime) -> None:
    add_place(db, "C1")
    schedule_now(db, now, root())
    with db.transaction() as session:
        session.execute(OutboxMessage.__table__.update().values(status="failed"))
    schedule_now(db, now, post("assigned:1"))
    assert rows(db)[f"case:{CASE}:assigned:1:slack:C1"] == (True, None)


def test_case_notices_for_other_places_do_not_start_threads(db: Database,
                                                            now: datetime) -> None:
    add_place(db, "C-REM", purpose="reminders")
    schedule_now(db, now, post("milestone", Audience("places", purpose="reminders")))
    assert rows(db) == {f"case:{CASE}:milestone:slack:C-REM": (False, None)}
