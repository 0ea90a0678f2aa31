"""The Slack outbox sender against a local fake Web API, alone and under the real messenger."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.messenger import Messenger
from bot.senders import Delivery, PermanentSendError, TransientSendError
from bot.slack.answers import answer
from bot.slack.client import make_client
from bot.slack.sender import OUTBOX_EVENT, SlackSender
from handlers.core.fanout import insert_if_absent
from handlers.core.types import Card, Fact, Outcome
from storage.db import Database
from storage.models import OutboxMessage
from tests.fakes.block_kit import live_markup
from tests.fakes.slack_api import FakeSlack

CHANNEL = "C0REMIND1"
CARD = Card(title="Cut-off in 7 days <!channel>", facts=(Fact("Closes", "31 Dec"),))


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


@pytest.fixture
def sender(fake: FakeSlack) -> SlackSender:
    fake.reset()
    return SlackSender(make_client("xoxb-test", fake.base_url))


def delivery(key: str = "reminder:1:slack:C0REMIND1", target: str = CHANNEL,
             thread_root: str | None = None) -> Delivery:
    return Delivery(row_id=1, dedupe_key=key, platform="slack", target=target, card=CARD,
                    kind="reminder", thread_root=thread_root)


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_a_post_carries_the_rendered_card_and_its_dedupe_key(
        fake: FakeSlack, sender: SlackSender) -> None:
    ts = run(sender.post(delivery()))
    (call,) = fake.calls_to("chat.postMessage")
    assert call.answer["ts"] == ts and call.params["channel"] == CHANNEL
    assert call.params["metadata"] == {"event_type": OUTBOX_EVENT,
                                       "event_payload": {"key": "reminder:1:slack:C0REMIND1"}}
    assert live_markup(call.params) == [] and "&lt;!channel&gt;" in call.params["text"]
    reply = run(sender.post(delivery("thread:2", thread_root=ts)))
    assert fake.calls_to("chat.postMessage")[-1].params["thread_ts"] == ts != reply


def test_a_direct_message_goes_to_the_persons_dm_channel(
        fake: FakeSlack, sender: SlackSender) -> None:
    ts = run(sender.post(delivery("dm:1", target="user:U0EVA0001")))
    assert fake.calls_to("conversations.open")[0].params["users"] == "U0EVA0001"
    assert fake.calls_to("chat.postMessage")[0].params["channel"] == "D0EVA0001"
    run(sender.update(delivery("dm:1", target="user:U0EVA0001"), ts))
    assert fake.calls_to("chat.update")[0].params["channel"] == "D0EVA0001"
    assert len(fake.calls_to("conversations.open")) == 1  # the DM channel is remembered


def test_an_earlier_attempt_is_found_by_its_metadata(fake: FakeSlack,
                                                     sender: SlackSender) -> None:
    first = run(sender.post(delivery()))
    root = run(sender.post(delivery("case:TA-2026-0001:post")))
    in_thread = run(sender.post(delivery("case:TA-2026-0001:assigned", thread_root=root)))
    fresh = SlackSender(make_client("xoxb-test", fake.base_url))
    assert run(fresh.find_posted(delivery())) == first
    assert run(fresh.find_posted(delivery("case:TA-2026-0001:assigned",
                                          thread_root=root))) == in_thread
    assert run(fresh.find_posted(delivery("never:posted"))) is None


def test_an_edit_of_a_vanished_message_counts_as_done(fake: FakeSlack,
                                                      sender: SlackSender) -> None:
    ts = run(sender.post(delivery()))
    run(sender.update(delivery(), ts))
    run(sender.update(delivery(), "1.000000"))  # no such message: nothing raised
    assert [c.answer["ok"] for c in fake.calls_to("chat.update")] == [True, False]


def test_slacks_refusals_are_sorted_into_later_and_never(fake: FakeSlack,
                                                         sender: SlackSender) -> None:
    fake.fail("chat.postMessage", status=429, error="ratelimited",
              headers={"Retry-After": "30"})
    with pytest.raises(TransientSendError) as waited:
        run(sender.post(delivery()))
    assert waited.value.retry_after == 30
    assert len(fake.calls_to("chat.postMessage")) == 1  # a long wait is left to the outbox
    fake.fail("chat.postMessage", status=503, error="service_unavailable")
    with pytest.raises(TransientSendError):
        run(sender.post(delivery()))
    fake.outside.add("C0PRIVATE")
    with pytest.raises(PermanentSendError, match="not_in_channel"):
        run(sender.post(delivery(target="C0PRIVATE")))
    gone = SlackSender(make_client("xoxb-test", "http://127.0.0.1:9/api/"))
    with pytest.raises(TransientSendError, match="unreachable"):
        run(gone.post(delivery()))


def test_a_short_rate_limit_is_waited_out_in_place(fake: FakeSlack,
                                                   sender: SlackSender) -> None:
    fake.fail("chat.postMessage", status=429, error="ratelimited", headers={"Retry-After": "0"})
    ts = run(sender.post(delivery()))
    calls = fake.calls_to("chat.postMessage")
    assert [c.answer["ok"] for c in calls] == [False, True] and calls[1].answer["ts"] == ts


def test_the_messenger_does_not_post_twice_after_a_lost_lease(
        fake: FakeSlack, sender: SlackSender, db: Database, now: datetime) -> None:
    """A worker died after Slack took the post: the next one finds it and only records it."""
    landed = run(sender.post(delivery("reminder:7:slack:C0REMIND1")))
    with db.transaction() as session:
        for key, status in (("reminder:7:slack:C0REMIND1", "sending"),
                            ("reminder:8:slack:C0REMIND1", "pending")):
            insert_if_absent(session, {
                "dedupe_key": key, "kind": "reminder", "platform": "slack", "target": CHANNEL,
                "card": CARD.to_dict(), "due_at": now - timedelta(minutes=10),
                "status": status, "attempts": 1 if status == "sending" else 0,
                "lease_until": now - timedelta(minutes=1), "created_at": now,
                "starts_thread": False,
            })
    messenger = Messenger(db, clock=lambda: now, pace_seconds=0)
    messenger.register(sender)
    # one row of the channel per pass: the recovered row, then the next one
    assert run(messenger.deliver_due()) == 1
    assert run(messenger.deliver_due()) == 1
    posted = [c.params["metadata"]["event_payload"]["key"]
              for c in fake.calls_to("chat.postMessage")]
    assert posted == ["reminder:7:slack:C0REMIND1", "reminder:8:slack:C0REMIND1"]
    with db.read() as session:
        rows = {k: m for k, m in session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.message_id))}
    assert rows["reminder:7:slack:C0REMIND1"] == landed
    assert rows["reminder:8:slack:C0REMIND1"] not in (None, landed)


def test_an_answer_falls_back_to_the_dm_tab_where_the_bot_may_not_post(
        fake: FakeSlack, sender: SlackSender) -> None:
    client = sender.client
    fake.outside.add("C0NOTJOIN")
    run(answer(client, Outcome(CARD), user_id="U0SEC0001", channel_id="C0NOTJOIN"))
    run(answer(client, Outcome(CARD, visibility="channel"), user_id="U0SEC0001",
               channel_id="C0NOTJOIN", thread_ts="17.1"))
    run(answer(client, Outcome(CARD), user_id="U0SEC0001", channel_id="C0JOINED1",
               thread_ts="17.2"))
    tried = [(c.method, c.params["channel"], c.answer["ok"]) for c in fake.calls]
    assert tried == [
        ("chat.postEphemeral", "C0NOTJOIN", False), ("chat.postMessage", "U0SEC0001", True),
        ("chat.postMessage", "C0NOTJOIN", False), ("chat.postMessage", "U0SEC0001", True),
        ("chat.postEphemeral", "C0JOINED1", True),
    ]
    assert fake.calls[-1].params["thread_ts"] == "17.2"


@pytest.mark.parametrize("in_thread", [False, True], ids=["channel", "thread"])
def test_a_landed_post_is_found_under_a_thousand_newer_messages(
        fake: FakeSlack, sender: SlackSender, db: Database, now: datetime,
        monkeypatch: pytest.MonkeyPatch, in_thread: bool) -> None:
    """The row was scheduled, 1,000 messages came while its first attempt was under way,
    the post landed, the worker died, 1,000 more came before the lease ran out. The next
    worker reads back to the row's scheduling, page after page, and posts nothing twice."""
    clock = [(now - timedelta(hours=2)).timestamp()]
    monkeypatch.setattr(fake, "clock", lambda: clock[0])
    root = run(sender.post(delivery("case:TA-2026-0001:post"))) if in_thread else None
    fake.chatter(CHANNEL, 500, root)  # long before the row: never read
    clock[0] = now.timestamp()
    key = "reminder:9:slack:C0REMIND1"
    fake.chatter(CHANNEL, 1000, root)
    landed = run(sender.post(delivery(key, thread_root=root)))
    fake.chatter(CHANNEL, 1000, root)
    with db.transaction() as session:
        insert_if_absent(session, {
            "dedupe_key": key, "kind": "reminder", "platform": "slack", "target": CHANNEL,
            "card": CARD.to_dict(), "due_at": now, "status": "sending", "attempts": 1,
            "lease_until": now + timedelta(minutes=1), "created_at": now,
            "starts_thread": False,
            **({"thread_key": "case:TA-2026-0001"} if in_thread else {})})
        if in_thread:
            insert_if_absent(session, {
                "dedupe_key": "case:TA-2026-0001:post", "kind": "case", "platform": "slack",
                "target": CHANNEL, "card": CARD.to_dict(), "due_at": now, "status": "sent",
                "message_id": root, "thread_key": "case:TA-2026-0001", "starts_thread": True,
                "created_at": now})
    later = now + timedelta(minutes=10)
    messenger = Messenger(db, clock=lambda: later, pace_seconds=0)
    messenger.register(sender)
    assert run(messenger.deliver_due()) == 1
    posted = [c for c in fake.calls_to("chat.postMessage")
              if c.params["metadata"]["event_payload"]["key"] == key]
    assert len(posted) == 1  # the first attempt only
    with db.read() as session:
        assert session.scalar(select(OutboxMessage.message_id)
                              .where(OutboxMessage.dedupe_key == key)) == landed
    reads = fake.calls_to("conversations.replies" if in_thread else "conversations.history")
    assert all(float(c.params["oldest"]) < now.timestamp() for c in reads)
    # newest first (a channel) or oldest first (a thread), the post is the 1,001st message:
    # the sixth page of 200; the 500 messages from before the row are never read
    assert len(reads) == 6
