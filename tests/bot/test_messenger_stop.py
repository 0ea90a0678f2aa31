"""Stopping the messenger (SIGTERM): sends at the platform finish, every other row in hand
goes straight back to `pending` for another replica, and only a send still unanswered
when the grace period ends is left to its lease."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.senders import Delivery
from storage.db import Database
from tests.bot.test_messenger import NOW, PacingRecorder, make
from tests.fakes.platform import FakeSender
from tests.reminder_helpers import add_row, row


class GatedSender(FakeSender):
    """Posts and lookups wait at a gate the test opens, so a test can stop mid-send."""

    def __init__(self) -> None:
        super().__init__()
        self.posting = asyncio.Event()
        self.finding = asyncio.Event()
        self.gate = asyncio.Event()

    async def post(self, delivery: Delivery) -> str:
        self.posting.set()
        await self.gate.wait()
        return await super().post(delivery)

    async def find_posted(self, delivery: Delivery) -> str | None:
        self.finding.set()
        await self.gate.wait()
        return await super().find_posted(delivery)


def test_a_send_at_the_platform_finishes_and_the_row_is_marked_sent(db: Database) -> None:
    row_id = add_row(db, "in-flight", due=NOW)
    later = add_row(db, "not-claimed", target="C1", due=NOW + timedelta(seconds=1))

    async def scenario() -> GatedSender:
        sender = GatedSender()
        messenger, _, _ = make(db, sender)
        messenger.start()
        await sender.posting.wait()
        stopping = asyncio.create_task(messenger.stop(grace=30))
        await asyncio.sleep(0)
        sender.gate.set()
        await stopping
        return sender

    sender = asyncio.run(scenario())
    assert [p.dedupe_key for p in sender.posts] == ["in-flight"]
    assert row(db, row_id).status == "sent"
    # stopping claims nothing more: the next row waits for another replica, untouched
    assert (row(db, later).status, row(db, later).attempts) == ("pending", 0)


def test_a_row_waiting_for_its_pacing_slot_is_handed_back_at_once(db: Database) -> None:
    first = add_row(db, "first", target="C-A", due=NOW - timedelta(seconds=2))
    second = add_row(db, "second", target="C-A", due=NOW - timedelta(seconds=1))
    pacing = PacingRecorder()

    async def scenario() -> FakeSender:
        waiting, resume = asyncio.Event(), asyncio.Event()

        async def sleep(seconds: float) -> None:
            waiting.set()
            await resume.wait()

        messenger, sender, _ = make(db, pace_seconds=1.0, sleep=sleep,
                                    monotonic=pacing.monotonic)
        messenger.start()
        await waiting.wait()  # the first row went out; the second waits for its slot
        stopping = asyncio.create_task(messenger.stop(grace=30))
        await asyncio.sleep(0)
        resume.set()
        await stopping
        assert messenger.results["released"] == 1
        return sender

    sender = asyncio.run(scenario())
    assert [p.dedupe_key for p in sender.posts] == ["first"]
    assert row(db, first).status == "sent"
    handed_back = row(db, second)
    assert (handed_back.status, handed_back.claimed_by, handed_back.lease_until) == (
        "pending", None, None)
    assert handed_back.due_at <= NOW  # due at once, not when the lease would have run out


def test_when_the_grace_runs_out_an_unanswered_send_is_left_to_its_lease(
    db: Database
) -> None:
    posting = add_row(db, "posting", target="C1", due=NOW)
    # tried once before: before posting again the messenger looks for the earlier attempt
    looking = add_row(db, "looking", target="C2", due=NOW, attempts=1)

    async def scenario() -> None:
        sender = GatedSender()
        messenger, _, _ = make(db, sender)
        messenger.start()
        await sender.posting.wait()
        await sender.finding.wait()
        await messenger.stop(grace=0.2)  # the gate never opens

    asyncio.run(scenario())
    # it may have reached the platform: the lease, then a lookup, decide; never a blind repost
    unanswered = row(db, posting)
    assert (unanswered.status, unanswered.claimed_by) == ("sending", "worker-a")
    assert unanswered.lease_until is not None
    handed_back = row(db, looking)
    assert (handed_back.status, handed_back.claimed_by, handed_back.attempts) == (
        "pending", None, 2)
