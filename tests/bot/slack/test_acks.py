"""Slack is answered at once whatever the Web API does: against the real `s3desk serve`,
with a fake Web API that holds every call until the test releases it.

Each request's HTTP answer must come back while the Web API call it leads to is still held
at the fake's gate: an ack that waited for the Web API could only come back after release.
The first request of the module is among them, so the bot's identity (auth.test) is not
waited for either.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage.db import Database
from tests.conftest import make_person
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.s3desk_server import RunningServer, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import Answer, SlackCaller
from tests.fakes.slack_world import (  # noqa: F401  (fixtures)
    SECRET,
    fake_slack_fixture,
    slack_server_fixture,
)

SEC = "U0SEC0001"


@pytest.fixture
def slack(server: RunningServer, fake: FakeSlack, db: Database) -> Iterator[SlackCaller]:
    fake.reset()
    make_person(db, SEC, "secretariat", platform="slack")
    yield SlackCaller(server.base_url + "/slack/events", SECRET, fake.response_url("r"))
    fake.gate.release()


def answered_while_held(fake: FakeSlack, send: object, method: str) -> Answer:
    """Send with the Web API held; the answer must arrive before the held call is let go."""
    fake.gate.hold()
    answer = send()  # type: ignore[operator]
    assert fake.gate.holding, "the ack came back only after the Web API was released"
    assert answer.status == 200, answer.body
    # the work after the ack did reach the Web API, and is waiting there right now
    assert wait_until(lambda: fake.gate.waiting(method)), f"no {method} call followed the ack"
    fake.gate.release()
    assert wait_until(lambda: [c for c in fake.calls_to(method) if c.answer.get("ok")]
                      if method != "response_url" else fake.calls_to(method))
    return answer


def test_an_event_is_acked_before_its_answer_is_posted(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, CUTOFF)
    dm = {"type": "message", "user": SEC, "text": f"note {ref} called the region",
          "channel": "D0SEC0001", "channel_type": "im", "ts": "1790000200.000100",
          "event_ts": "1790000200.000100"}
    answered_while_held(fake, lambda: slack.event(dm), "chat.postMessage")


def test_a_button_is_acked_before_its_answer_goes_to_the_response_url(
        slack: SlackCaller, fake: FakeSlack) -> None:
    answer = answered_while_held(fake, lambda: slack.press("help", user=SEC), "response_url")
    assert answer.body in ("", "{}")


def test_app_home_is_acked_before_it_is_published(
        slack: SlackCaller, fake: FakeSlack) -> None:
    answered_while_held(fake, lambda: slack.home_opened(user=SEC), "views.publish")


def test_s3_new_is_acked_before_its_modal_opens(slack: SlackCaller, fake: FakeSlack) -> None:
    answer = answered_while_held(fake, lambda: slack.slash("new", user=SEC), "views.open")
    assert answer.body in ("", "{}")


def test_an_answer_that_fits_the_ack_still_rides_on_it(
        slack: SlackCaller, fake: FakeSlack) -> None:
    fake.gate.hold()
    answer = slack.slash("help", user=SEC)
    assert fake.gate.holding and answer.status == 200
    assert "what you may do" in answer.body
    fake.gate.release()


def test_the_server_starts_without_a_warning(server: RunningServer) -> None:
    # with several workers (PostgreSQL) each says it is serving; the last one comes last
    start = server.log().rsplit("serving on", 1)[0]
    assert "installed bot.slack.http" in start and "WARNING" not in start, start
