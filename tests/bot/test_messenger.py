"""The messenger: delivery, pacing per channel, retries, leases and the background loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from bot.messenger import Messenger
from bot.senders import PermanentSendError, TransientSendError
from storage.db import Database
from storage.outbox import claim_due
from tests.fakes.platform import FakeSender, FrozenClock, PacingRecorder, Post
from tests.reminder_helpers import add_row, at, outbox, row

NOW = at(2026, 11, 26, 10)


def make(db: Database, sender: FakeSender | None = None, clock: FrozenClock | None = None,
         **kwargs: object) -> tuple[Messenger, FakeSender, FrozenClock]:
    sender = sender or FakeSender()
    clock = clock or FrozenClock(NOW)
    kwargs.setdefault("pace_seconds", 0)
    messenger = Messenger(db, {"slack": sender}, clock, "worker-a", **kwargs)  # type: ignore[arg-type]
    return messenger, sender, clock


def test_a_due_row_is_posted_and_marked_sent(db: Database) -> None:
    row_id = add_row(db, "cutoff:2027-03-31:T-7:slack:C1", due=NOW)
    add_row(db, "later:slack:C1", due=NOW + timedelta(hours=1))
    messenger, sender, _ = make(db)
    assert asyncio.run(messenger.deliver_due()) == 1
    assert [p.dedupe_key for p in sender.posts] == ["cutoff:2027-03-31:T-7:slack:C1"]
    stored = row(db, row_id)
    assert (stored.status, stored.message_id, stored.sent_at) == ("sent", "m1", NOW)
    assert asyncio.run(messenger.deliver_due()) == 0
    assert len(sender.posts) == 1


def test_pacing_holds_one_channel_without_holding_the_others(db: Database) -> None:
    add_row(db, "a1", target="C-A", due=NOW - timedelta(seconds=2))
    add_row(db, "a2", target="C-A", due=NOW - timedelta(seconds=1))
    add_row(db, "b1", target="C-B", due=NOW)
    pacing = PacingRecorder()
    messenger, sender, _ = make(db, pace_seconds=1.0, sleep=pacing.sleep,
                                monotonic=pacing.monotonic)
    # a pass takes each channel's oldest row; the next pass takes C-A's second
    assert asyncio.run(messenger.deliver_due()) == 2
    assert asyncio.run(messenger.deliver_due()) == 1
    order = [p.dedupe_key for p in sender.posts]
    assert sorted(order) == ["a1", "a2", "b1"]
    # only the second post to C-A waited, a second; C-B went out before it
    assert pacing.sleeps == [1.0]
    assert order.index("b1") < order.index("a2")


def test_a_transient_error_backs_off_and_a_later_pass_sends(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW)
    messenger, sender, clock = make(db)
    sender.failures.append(TransientSendError("ratelimited", retry_after=120))
    asyncio.run(messenger.deliver_due())
    stored = row(db, row_id)
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.due_at == NOW + timedelta(seconds=120)
    clock.advance(seconds=119)
    assert asyncio.run(messenger.deliver_due()) == 0
    clock.advance(seconds=1)
    assert asyncio.run(messenger.deliver_due()) == 1
    # the retry asked the platform first: the failed attempt might have landed
    assert sender.find_calls == 1
    assert row(db, row_id).status == "sent" and len(sender.posts) == 1


def test_unexpected_errors_are_retried_and_then_fail(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW)
    messenger, sender, clock = make(db, max_attempts=2)
    sender.failures += [RuntimeError("boom"), RuntimeError("boom again")]
    asyncio.run(messenger.deliver_due())
    clock.advance(minutes=5)
    asyncio.run(messenger.deliver_due())
    stored = row(db, row_id)
    assert stored.status == "failed" and "boom again" in (stored.error or "")
    assert messenger.results["failed"] == 1 and messenger.results["retried"] == 1


def test_a_permanent_error_fails_at_once(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW)
    messenger, sender, _ = make(db)
    sender.failures.append(PermanentSendError("channel_not_found"))
    asyncio.run(messenger.deliver_due())
    assert (row(db, row_id).status, row(db, row_id).error) == ("failed", "channel_not_found")


def test_an_unreadable_card_fails_without_posting(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW, card={"no": "title"})
    messenger, sender, _ = make(db)
    asyncio.run(messenger.deliver_due())
    assert row(db, row_id).status == "failed" and sender.posts == []


def test_after_a_lease_expiry_a_landed_post_is_not_posted_again(db: Database) -> None:
    row_id = add_row(db, "k:slack:C1", due=NOW)
    sender = FakeSender()
    # a worker claimed the row, posted, and died before recording it
    claimed = claim_due(db, now=NOW, worker_id="dead", lease=timedelta(minutes=5), limit=1,
                        platforms=("slack",))
    sender.posts.append(Post("C1", claimed[0].dedupe_key, "t", "reminder.cutoff", None,
                             "m-landed"))
    messenger, _, clock = make(db, sender)
    assert asyncio.run(messenger.deliver_due()) == 0  # still leased
    clock.advance(minutes=6)
    assert asyncio.run(messenger.deliver_due()) == 1
    assert len(sender.posts) == 1 and sender.find_calls == 1
    assert (row(db, row_id).status, row(db, row_id).message_id) == ("sent", "m-landed")


def test_after_a_lease_expiry_a_lost_post_is_posted_once(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW)
    claim_due(db, now=NOW, worker_id="dead", lease=timedelta(minutes=5), limit=1,
              platforms=("slack",))
    messenger, sender, clock = make(db)
    clock.advance(minutes=6)
    asyncio.run(messenger.deliver_due())
    assert len(sender.posts) == 1 and row(db, row_id).status == "sent"


def test_a_reclaimed_row_past_its_usefulness_is_missed_not_posted(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW, useful_until=NOW + timedelta(minutes=2))
    claim_due(db, now=NOW, worker_id="dead", lease=timedelta(minutes=5), limit=1,
              platforms=("slack",))
    messenger, sender, clock = make(db)
    clock.advance(minutes=6)
    asyncio.run(messenger.deliver_due())
    assert sender.posts == [] and row(db, row_id).status == "missed"


def test_an_edit_updates_the_original_message(db: Database) -> None:
    add_row(db, "d:slack:C1", due=NOW)
    edit = add_row(db, "d2:slack:C1", due=NOW, edit_of="d:slack:C1", card={"title": "v2"})
    messenger, sender, _ = make(db)
    asyncio.run(messenger.deliver_due())
    asyncio.run(messenger.deliver_due())
    assert sender.updates == [("m1", "v2")]
    assert (row(db, edit).status, row(db, edit).message_id) == ("sent", "m1")


def test_a_thread_reply_is_posted_under_its_root(db: Database) -> None:
    add_row(db, "root:slack:C1", due=NOW, thread_key="case:TA-2026-0001", starts_thread=True)
    add_row(db, "reply:slack:C1", due=NOW, thread_key="case:TA-2026-0001")
    messenger, sender, _ = make(db)
    asyncio.run(messenger.deliver_due())
    asyncio.run(messenger.deliver_due())
    assert [(p.dedupe_key, p.thread_root) for p in sender.posts] == [
        ("root:slack:C1", None), ("reply:slack:C1", "m1")]


def test_rows_of_a_platform_without_sender_stay_pending(db: Database) -> None:
    row_id = add_row(db, "t", due=NOW, platform="teams")
    messenger, _, _ = make(db)
    assert asyncio.run(messenger.deliver_due()) == 0
    assert row(db, row_id).status == "pending"
    teams = FakeSender(platform="teams")
    messenger.register(teams)
    assert asyncio.run(messenger.deliver_due()) == 1 and len(teams.posts) == 1


def test_a_lease_about_to_expire_hands_the_row_back(db: Database) -> None:
    row_id = add_row(db, "k", due=NOW)
    messenger, sender, _ = make(db, lease=timedelta(seconds=3))
    asyncio.run(messenger.deliver_due())
    assert sender.posts == []
    assert (row(db, row_id).status, messenger.results["released"]) == ("pending", 1)


def test_the_loop_delivers_when_woken_and_stops_cleanly(db: Database) -> None:
    messenger, sender, _ = make(db, poll_seconds=3600)

    async def scenario() -> None:
        task = messenger.start()
        await _until(lambda: messenger._loop is not None)
        add_row(db, "woken", due=NOW)
        messenger.wake()
        await _until(lambda: len(sender.posts) == 1)
        await messenger.stop()
        assert task.done() and task.exception() is None

    asyncio.run(scenario())
    assert [r.status for r in outbox(db)] == ["sent"]


async def _until(condition: Callable[[], bool], attempts: int = 500) -> None:
    for _ in range(attempts):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")
