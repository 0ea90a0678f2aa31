"""SIGTERM to a real `s3desk serve` in the middle of delivering: the post already at Slack
finishes and is recorded, the row not yet posted goes straight back for the next replica,
and every row reaches Slack exactly once.

The fake Slack holds the calls unanswered (a slow Slack) until the server is stopping.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage.db import Database
from tests.fakes.s3desk_server import RunningServer, start_server, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.reminder_helpers import add_row, row

POSTING, LOOKING = "shutdown:posting:slack:C0POST", "shutdown:looking:slack:C0LOOK"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


def serve(database_url: str, fake: FakeSlack, log_path: Path) -> RunningServer:
    return start_server({"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-stop",
                         "SLACK_SIGNING_SECRET": "stop-secret", "SLACK_API_URL": fake.base_url,
                         "S3DESK_STOP_GRACE_SECONDS": "30"}, log_path)


def posted_keys(fake: FakeSlack) -> Counter[str]:
    return Counter(call.params["metadata"]["event_payload"]["key"]
                   for call in fake.calls_to("chat.postMessage") if call.answer.get("ok"))


def test_sigterm_mid_delivery_loses_nothing_and_doubles_nothing(
    db: Database, database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    due = datetime.now(UTC)
    posting = add_row(db, POSTING, target="C0POST", due=due)
    # tried once before: the server first asks Slack whether that attempt landed
    looking = add_row(db, LOOKING, target="C0LOOK", due=due, attempts=1)
    fake.hold("chat.postMessage")
    fake.hold("conversations.history")
    first = serve(database_url, fake, tmp_path / "first.log")
    try:
        assert wait_until(lambda: fake.waiting("chat.postMessage") == 1
                          and fake.waiting("conversations.history") == 1, timeout=60)
        first.process.send_signal(signal.SIGTERM)
        assert wait_until(lambda: "stopping" in first.log())
        fake.let_through("conversations.history")
        fake.let_through("chat.postMessage")
        assert first.process.wait(60) == 0, first.log()
    finally:
        first.stop()
    assert "Traceback" not in first.log()
    sent = row(db, posting)
    (post,) = fake.calls_to("chat.postMessage")
    assert (sent.status, sent.message_id) == ("sent", post.answer["ts"])
    handed_back = row(db, looking)
    assert (handed_back.status, handed_back.claimed_by, handed_back.lease_until) == (
        "pending", None, None)
    assert handed_back.due_at <= due
    # the next replica takes the handed-back row at once, not after the 5-minute lease
    second = serve(database_url, fake, tmp_path / "second.log")
    try:
        assert wait_until(lambda: row(db, looking).status == "sent", timeout=60)
    finally:
        second.stop()
    assert posted_keys(fake) == {POSTING: 1, LOOKING: 1}
