"""The Teams outbox sender against the fake connector: posts, threads, edits, direct
messages, and the retries (429/503, backoff with jitter) botbuilder does not make."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

from bot.config import Settings
from bot.senders import Delivery, PermanentSendError, TransientSendError
from bot.teams.connector import Backoff, Connector
from bot.teams.http import BotConfiguration
from bot.teams.reach import Reach
from bot.teams.sender import TeamsSender
from handlers.core.types import Card
from storage import conversation_refs as refs
from storage.db import Database
from storage.models import Place
from tests.fakes.connector import FakeConnector, visible_text
from tests.fakes.teams_activities import EVALUATION_CHANNEL, TENANT
from tests.fakes.teams_server import LoopThread
from tests.fakes.teams_world import (  # noqa: F401  (fixtures)
    EVA,
    SOFIA,
    connector_fixture,
    identity,
    teams_people_fixture,
)


class Sleeps:
    """Records the waits asked for instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    thread = LoopThread()
    yield thread
    thread.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def sender(db: Database, sleeps: Sleeps, loop: LoopThread) -> Iterator[TeamsSender]:
    configuration = BotConfiguration(Settings.from_env({}))
    authentication = ConfigurationBotFrameworkAuthentication(configuration)
    backoff = Backoff(attempts=4, base=0.5, cap=8.0, sleep=sleeps, rng=random.Random(7))
    connector = Connector(authentication, "", backoff)
    yield TeamsSender(Reach(db, connector))
    loop.run(connector.close())


def channel_reference(service_url: str, channel: str = EVALUATION_CHANNEL) -> dict[str, object]:
    return {"serviceUrl": service_url, "channelId": "msteams",
            "bot": {"id": "28:s3desk-bot", "name": "S3 Desk"},
            "conversation": {"id": channel, "conversationType": "channel",
                             "tenantId": TENANT}}


def register_place(db: Database, service_url: str) -> None:
    with db.transaction() as session:
        session.add(Place(platform="teams", purpose="evaluation", channel_id=EVALUATION_CHANNEL,
                          name="evaluation", conversation_ref=channel_reference(service_url)))


def delivery(target: str = EVALUATION_CHANNEL, **extra: object) -> Delivery:
    values: dict[str, object] = {"row_id": 1, "dedupe_key": "k", "platform": "teams",
                                 "target": target, "card": Card(title="Cut-off in 7 days"),
                                 "kind": "reminder"}
    values.update(extra)
    return Delivery(**values)  # type: ignore[arg-type]


def test_posts_a_case_card_then_threads_and_edits_under_it(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread) -> None:
    register_place(db, connector.url)
    root = loop.run(sender.post(delivery(starts_thread=True, card=Card(title="TA-2026-0001"))))
    [post] = connector.sent()
    assert post.method == "post" and post.conversation_id == EVALUATION_CHANNEL
    assert visible_text(post.body).startswith("TA-2026-0001")
    assert post.body["summary"] == "TA-2026-0001"
    loop.run(sender.post(delivery(thread_root=root, card=Card(title="Eva joins the panel"))))
    assert connector.sent()[-1].conversation_id == f"{EVALUATION_CHANNEL};messageid={root}"
    loop.run(sender.update(delivery(edit_message_id=root, card=Card(title="1 of 2 scored")),
                           root))
    [edit] = connector.calls_to("update")
    assert (edit.conversation_id, edit.activity_id) == (EVALUATION_CHANNEL, root)
    assert "1 of 2 scored" in visible_text(connector.activity(root))


def test_an_edit_of_a_message_that_is_gone_counts_as_done(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread) -> None:
    register_place(db, connector.url)
    loop.run(sender.update(delivery(), "1700000099999"))
    [edit] = connector.calls_to("update")
    assert edit.status == 404


def test_throttling_and_outages_are_retried_with_backoff_and_jitter(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread,
        sleeps: Sleeps) -> None:
    register_place(db, connector.url)
    connector.fail(429, times=1, retry_after="2")
    connector.fail(503, times=1)
    message_id = loop.run(sender.post(delivery()))
    assert [c.status for c in connector.calls_to("post")] == [429, 503, 200]
    assert message_id == connector.conversations[EVALUATION_CHANNEL][0]["id"]
    first, second = sleeps.waits
    # Retry-After is honoured; otherwise a random wait below base * 2**attempt
    assert first >= 2.0
    assert 0 <= second <= 0.5 * 2
    # one post landed: the retries never duplicated it
    assert len(connector.conversations[EVALUATION_CHANNEL]) == 1


def test_a_lasting_outage_hands_the_row_back_for_later(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread,
        sleeps: Sleeps) -> None:
    register_place(db, connector.url)
    connector.fail(503, times=10, retry_after="30")
    with pytest.raises(TransientSendError) as later:
        loop.run(sender.post(delivery()))
    assert later.value.retry_after == 30.0
    assert len(connector.calls_to("post")) == 4 and len(sleeps.waits) == 3
    assert connector.conversations.get(EVALUATION_CHANNEL, []) == []


def test_the_waits_are_jittered_and_capped() -> None:
    backoff = Backoff(base=0.5, cap=8.0, rng=random.Random(1))
    waits = [backoff.delay(attempt, None) for attempt in range(12) for _ in range(5)]
    assert all(0 <= w <= 8.0 for w in waits)
    assert len({round(w, 6) for w in waits}) == len(waits)  # no two replicas wait alike
    assert max(waits[-10:]) > 1.0  # later attempts wait longer
    assert backoff.delay(0, 60.0) == 8.0  # a huge Retry-After is capped


def test_a_refused_post_is_a_permanent_failure(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread,
        sleeps: Sleeps) -> None:
    register_place(db, connector.url)
    connector.fail(403, times=1)
    with pytest.raises(PermanentSendError):
        loop.run(sender.post(delivery()))
    assert sleeps.waits == []
    with pytest.raises(PermanentSendError, match="here"):
        loop.run(sender.post(delivery(target="19:unknown@thread.tacv2")))


def test_a_direct_message_opens_the_persons_chat_once(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread,
        teams_people: dict[str, int]) -> None:
    register_place(db, connector.url)
    loop.run(sender.post(delivery(target=f"user:{EVA.aad}", card=Card(title="Please score"))))
    [opened] = connector.calls_to("create")
    assert opened.body["members"][0]["aadObjectId"] == EVA.aad
    assert opened.body["bot"]["id"] == "28:s3desk-bot"
    assert opened.body["channelData"] == {"tenant": {"id": TENANT}}
    assert connector.sent()[-1].conversation_id == EVA.personal_chat
    kept = identity(db, EVA)
    assert kept is not None and kept.conversation_ref is not None
    assert kept.conversation_ref["conversation"]["id"] == EVA.personal_chat
    # the next message reuses the chat
    loop.run(sender.post(delivery(target=f"user:{EVA.aad}", card=Card(title="Reminder"))))
    assert len(connector.calls_to("create")) == 1
    assert len(connector.sent_to(EVA.personal_chat)) == 2


def test_a_direct_message_with_no_way_in_fails_plainly(
        sender: TeamsSender, db: Database, loop: LoopThread,
        teams_people: dict[str, int]) -> None:
    with pytest.raises(PermanentSendError, match="no Teams conversation"):
        loop.run(sender.post(delivery(target=f"user:{SOFIA.aad}")))
    with pytest.raises(PermanentSendError, match="not registered"):
        loop.run(sender.post(delivery(target="user:nobody")))


def test_an_install_reference_is_a_way_in(db: Database, connector: FakeConnector) -> None:
    with db.transaction() as session:
        refs.remember_install(session, "teams", TENANT, channel_reference(connector.url))
    with db.read() as session:
        found = refs.any_reference(session, "teams", TENANT)
    assert found is not None and found["serviceUrl"] == connector.url


def test_a_group_chat_has_no_reply_chains(
        sender: TeamsSender, connector: FakeConnector, db: Database, loop: LoopThread) -> None:
    group = "19:group-chat@thread.v2"
    reference = channel_reference(connector.url, group)
    reference["conversation"]["conversationType"] = "groupChat"  # type: ignore[index]
    with db.transaction() as session:
        session.add(Place(platform="teams", purpose="evaluation", channel_id=group,
                          conversation_ref=reference))
    root = loop.run(sender.post(delivery(target=group, starts_thread=True)))
    loop.run(sender.post(delivery(target=group, thread_root=root)))
    assert [c.conversation_id for c in connector.sent()] == [group, group]
