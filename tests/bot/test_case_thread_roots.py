"""Case threads in an evaluation channel, delivered by the real messenger.

A channel registered with `here evaluation` gets the card of every case in evaluation as a
thread root; a case whose root never landed in a channel gets one from the next notice
about it, so nothing about a case is posted outside its thread and a reply there counts.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import select

from bot.messenger import Messenger
from bot.senders import PermanentSendError, TransientSendError
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Outcome, Where
from storage.db import Database
from storage.models import Score, ThreadLink
from tests.conftest import make_person
from tests.evaluation_helpers import CUTOFF, GOOD, add_application, add_cutoff, status_of
from tests.fakes.platform import FakeSender, FrozenClock

SEC, EVA, ED = "U-SEC", "U-EVA", "U-ED"


def say(desk: Desk, now: datetime, user: str, text: str, channel: str = "C-DESK",
        thread: str | None = None) -> Outcome:
    where = Where("slack", channel_id=channel, thread_id=thread, channel_name=channel)
    outcome = desk.handle(Inbound("slack", user, text, now, where=where))
    assert outcome.reply.tone != "error", outcome.reply
    return outcome


def deliver(db: Database, sender: FakeSender, now: datetime) -> None:
    messenger = Messenger(db, {"slack": sender}, FrozenClock(now), "w", pace_seconds=0)
    while asyncio.run(messenger.deliver_due()):
        pass


def links(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(c, m) for c, m in session.execute(
            select(ThreadLink.channel_id, ThreadLink.message_id).order_by(ThreadLink.id))]


def people(db: Database) -> None:
    make_person(db, SEC, "secretariat", platform="slack")
    make_person(db, EVA, "evaluator", platform="slack")
    make_person(db, ED, "evaluator", platform="slack")


def closed_with_a_channel(db: Database, desk: Desk, now: datetime) -> str:
    """C-EVAL registered for evaluation, then one eligible case's cut-off closed: its ref."""
    people(db)
    add_cutoff(db)
    ref = add_application(db, CUTOFF, status="eligible")
    say(desk, now, SEC, "here evaluation", channel="C-EVAL")
    say(desk, now, SEC, f"cutoff close {CUTOFF.isoformat()}")
    return ref


def test_a_channel_registered_after_the_close_gets_the_cards_of_the_cases_in_evaluation(
        db: Database, desk: Desk, now: datetime) -> None:
    people(db)
    add_cutoff(db)
    refs = [add_application(db, CUTOFF, status="eligible") for _ in range(2)]
    say(desk, now, SEC, f"cutoff close {CUTOFF.isoformat()}")
    say(desk, now, SEC, "here evaluation", channel="C-EVAL")
    sender = FakeSender()
    deliver(db, sender, now)
    assert [(p.target, p.thread_root) for p in sender.posts] == [("C-EVAL", None)] * 2
    assert [p.title.split(":")[0] for p in sender.posts] == refs
    assert links(db) == [("C-EVAL", p.message_id) for p in sender.posts]
    # registering again changes nothing and posts nothing twice
    say(desk, now, SEC, "here evaluation", channel="C-EVAL")
    deliver(db, sender, now)
    assert len(sender.posts) == 2


def test_a_case_whose_card_never_landed_gets_its_thread_from_the_next_notice(
        db: Database, desk: Desk, now: datetime) -> None:
    ref = closed_with_a_channel(db, desk, now)
    sender = FakeSender(failures=[PermanentSendError("Slack refused: invalid_blocks")])
    deliver(db, sender, now)
    assert sender.posts == [] and links(db) == []
    say(desk, now, SEC, f"assign {ref} <@{EVA}> <@{ED}>")
    deliver(db, sender, now)
    channel = [p for p in sender.posts if p.target == "C-EVAL"]
    root = channel[0]
    assert root.thread_root is None and root.title.startswith(f"{ref}: ")
    assert [p.thread_root for p in channel[1:]] == [root.message_id] * 2
    assert all("joins the panel" in p.title for p in channel[1:])
    assert links(db) == [("C-EVAL", root.message_id)]
    # a reply in that thread scores the case without naming it
    for user in (EVA, ED):
        say(desk, now, user, f"score {GOOD}", channel="C-EVAL", thread=root.message_id)
    with db.read() as session:
        assert len(list(session.scalars(select(Score)))) == 2
    assert status_of(db, ref) == "scored"


def test_notices_waiting_for_a_card_that_then_fails_start_the_thread_themselves(
        db: Database, desk: Desk, now: datetime) -> None:
    ref = closed_with_a_channel(db, desk, now)
    say(desk, now, SEC, f"assign {ref} <@{EVA}> <@{ED}>")  # waits for the card to land
    sender = FakeSender(failures=[TransientSendError("Slack answered 503")])
    messenger = Messenger(db, {"slack": sender}, FrozenClock(now), "w", pace_seconds=0,
                          max_attempts=1)
    while asyncio.run(messenger.deliver_due()):
        pass
    channel = [p for p in sender.posts if p.target == "C-EVAL"]
    root = channel[0]
    assert root.thread_root is None
    assert [p.thread_root for p in channel[1:]] == [root.message_id] * (len(channel) - 1)
    assert links(db) == [("C-EVAL", root.message_id)]
    say(desk, now, EVA, f"score {GOOD}", channel="C-EVAL", thread=root.message_id)
    with db.read() as session:
        assert len(list(session.scalars(select(Score)))) == 1
