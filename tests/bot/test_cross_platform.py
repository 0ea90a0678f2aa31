"""One programme, two chat platforms: a case scored in Slack and in Teams, announced in both.

The real `s3desk serve` with Slack (signed requests, a fake Web API) and Teams (activities,
a fake connector) at once, over one store. One evaluator scores in the Slack thread, the
other in the Teams thread; both threads then show `2 of 2 scored`, and the announcement of
the decision reaches the announcement channel on each platform.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Application, Score, ThreadLink
from tests.conftest import make_person
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector, visible_text
from tests.fakes.s3desk_server import RunningServer, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import SlackCaller
from tests.fakes.teams_activities import ANNOUNCE_CHANNEL, EVALUATION_CHANNEL, Activities
from tests.fakes.teams_server import http_post, start_serve
from tests.fakes.teams_world import ED, SOFIA

SECRET = "cross-platform-signing-secret"
SEC, EVA = "U0SEC0001", "U0EVA0001"
SLACK_EVAL, SLACK_ANNOUNCE, SLACK_DESK = "C0EVAL001", "C0ANNOUNC", "C0CASES01"


@pytest.fixture
def slack_api() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture
def server(db: Database, database_url: str, slack_api: FakeSlack,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_serve({"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-cross",
                           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack_api.base_url},
                          tmp_path_factory.mktemp("cross") / "serve.log")
    yield running
    running.stop()


def slack_posts(api: FakeSlack, channel: str, method: str = "chat.postMessage") -> list[Any]:
    return [c for c in api.calls_to(method)
            if c.params.get("channel") == channel and c.answer.get("ok")]


def linked_platforms(db: Database) -> set[str]:
    with db.read() as session:
        return set(session.scalars(select(ThreadLink.platform)))


def shown(params: dict[str, Any]) -> str:
    return json.dumps(params, ensure_ascii=False)


def both_platforms(
        server: RunningServer, slack_api: FakeSlack, connector: FakeConnector, db: Database
) -> tuple[SlackCaller, Activities, Callable[[dict[str, Any]], None]]:
    """A secretariat member and an evaluator on each platform; how to talk to the server."""
    make_person(db, SEC, "secretariat", platform="slack")
    make_person(db, EVA, "evaluator", platform="slack")
    make_person(db, SOFIA.aad, "secretariat", platform="teams")
    make_person(db, ED.aad, "evaluator", platform="teams")

    def to_teams(activity: dict[str, Any]) -> None:
        status, body = http_post(server.base_url + "/api/messages", activity)
        assert status in (200, 201), body

    slack = SlackCaller(server.base_url + "/slack/events", SECRET, slack_api.response_url("r"))
    return slack, Activities(connector.url), to_teams


def test_a_case_scored_in_slack_and_in_teams(
        server: RunningServer, slack_api: FakeSlack, connector: FakeConnector,
        db: Database) -> None:
    slack, teams, to_teams = both_platforms(server, slack_api, connector, db)

    # each platform registers its evaluation and announcement channels
    assert slack.slash("here evaluation", user=SEC, channel=SLACK_EVAL).status == 200
    assert slack.slash("here announcements", user=SEC, channel=SLACK_ANNOUNCE).status == 200
    to_teams(teams.channel(SOFIA, "here evaluation"))
    to_teams(teams.channel(SOFIA, "here announcements", channel=ANNOUNCE_CHANNEL,
                           channel_name="announcements"))

    add_cutoff(db)
    ref = add_application(db, CUTOFF, status="eligible", organisation="Agency")
    assert slack.slash(f"cutoff close {CUTOFF.isoformat()}", user=SEC).status == 200
    assert slack.slash(f"assign {ref} <@{EVA}> @{ED.aad}", user=SEC).status == 200
    slack_root = wait_until(lambda: slack_posts(slack_api, SLACK_EVAL))
    assert slack_root, "the case card never reached the Slack evaluation channel"
    root_ts = slack_root[0].answer["ts"]
    assert wait_until(lambda: connector.sent_to(EVALUATION_CHANNEL)), \
        "the case card never reached the Teams evaluation channel"
    teams_root = connector.conversations[EVALUATION_CHANNEL][0]["id"]
    # the messenger links each root post to the case once the platform has said ok
    assert wait_until(lambda: linked_platforms(db) == {"slack", "teams"})

    # one evaluator scores in the Slack thread, the other in the Teams thread
    assert slack.thread_reply("score relevance=4 need=4 feasibility=4 impact=4",
                              user=EVA, channel=SLACK_EVAL, thread_ts=root_ts).status == 200
    assert wait_until(lambda: any("1 of 2 scored" in visible_text(c.body)
                                  for c in connector.calls_to("update")))
    to_teams(teams.channel(ED, "score relevance=3 need=4 feasibility=4 impact=3",
                           thread_root=teams_root))
    assert wait_until(lambda: any("2 of 2 scored" in shown(c.params)
                                  for c in slack_posts(slack_api, SLACK_EVAL, "chat.update"))), \
        "the Slack thread never showed both scores in"
    assert wait_until(lambda: any("2 of 2 scored" in visible_text(c.body)
                                  for c in connector.calls_to("update")
                                  if c.activity_id == teams_root)), \
        "the Teams thread never showed both scores in"
    with db.read() as session:
        assert session.scalar(select(Application.status)) == "scored"
        assert len(list(session.scalars(select(Score)))) == 2

    # the decision, announced once, reaches both platforms' announcement channels
    decided = slack.slash(f"decide {ref} approve strong fit with the S3 priorities",
                          user=SEC, channel=SLACK_DESK)
    assert decided.status == 200 and "error" not in decided.body.lower(), decided.body
    announced = slack.slash(f"announce cutoff:{CUTOFF.isoformat()}", user=SEC,
                            channel=SLACK_DESK)
    assert announced.status == 200, announced.body
    slack_news = wait_until(lambda: [c for c in slack_posts(slack_api, SLACK_ANNOUNCE)
                                     if ref in shown(c.params)])
    assert slack_news, "no announcement in the Slack announcement channel"
    teams_news = wait_until(lambda: [c for c in connector.sent_to(ANNOUNCE_CHANNEL)
                                     if ref in visible_text(c.body)])
    assert teams_news, "no announcement in the Teams announcement channel"
    assert "approved" in visible_text(teams_news[0].body)
    # never a score in an announcement
    assert "Relevance" not in visible_text(teams_news[0].body)


def test_channels_registered_after_the_close_get_the_case_cards_and_their_threads(
        server: RunningServer, slack_api: FakeSlack, connector: FakeConnector,
        db: Database) -> None:
    slack, teams, to_teams = both_platforms(server, slack_api, connector, db)

    add_cutoff(db)
    ref = add_application(db, CUTOFF, status="eligible", organisation="Agency")
    assert slack.slash(f"cutoff close {CUTOFF.isoformat()}", user=SEC).status == 200
    # only now, with the case already in evaluation, do the channels register
    assert slack.slash("here evaluation", user=SEC, channel=SLACK_EVAL).status == 200
    to_teams(teams.channel(SOFIA, "here evaluation"))
    slack_root = wait_until(lambda: slack_posts(slack_api, SLACK_EVAL))
    assert slack_root, "the case card never reached the Slack channel registered late"
    assert ref in shown(slack_root[0].params) and not slack_root[0].params.get("thread_ts")
    root_ts = slack_root[0].answer["ts"]
    assert wait_until(lambda: connector.sent_to(EVALUATION_CHANNEL)), \
        "the case card never reached the Teams channel registered late"
    teams_root = connector.conversations[EVALUATION_CHANNEL][0]["id"]
    teams_thread = f"{EVALUATION_CHANNEL};messageid={teams_root}"
    assert wait_until(lambda: linked_platforms(db) == {"slack", "teams"})

    # what follows goes into the case's thread, on each platform
    assert slack.slash(f"assign {ref} <@{EVA}> @{ED.aad}", user=SEC).status == 200
    def joined() -> list[Any]:
        return [c for c in slack_posts(slack_api, SLACK_EVAL)
                if "joins the panel" in shown(c.params)]

    assert wait_until(lambda: len(joined()) == 2)
    assert {c.params.get("thread_ts") for c in joined()} == {root_ts}
    assert wait_until(lambda: len([c for c in connector.sent_to(teams_thread)
                                   if "joins the panel" in visible_text(c.body)]) == 2)
    assert len(connector.sent_to(EVALUATION_CHANNEL)) == 1  # nothing top-level but the card

    # each evaluator scores by a reply in their platform's thread
    assert slack.thread_reply("score relevance=4 need=4 feasibility=4 impact=4",
                              user=EVA, channel=SLACK_EVAL, thread_ts=root_ts).status == 200
    to_teams(teams.channel(ED, "score relevance=3 need=4 feasibility=4 impact=3",
                           thread_root=teams_root))
    assert wait_until(lambda: scores(db) == 2), "a score replied in a thread was ignored"
    assert wait_until(lambda: any("scoring complete" in shown(c.params)
                                  for c in slack_posts(slack_api, SLACK_EVAL)
                                  if c.params.get("thread_ts") == root_ts))
    assert wait_until(lambda: any("scoring complete" in visible_text(c.body)
                                  for c in connector.sent_to(teams_thread)))
    assert any("2 of 2 scored" in shown(c.params)
               for c in slack_posts(slack_api, SLACK_EVAL, "chat.update")
               if c.params.get("ts") == root_ts)
    top_level = [c for c in slack_posts(slack_api, SLACK_EVAL) if not c.params.get("thread_ts")]
    assert len(top_level) == 1 and len(connector.sent_to(EVALUATION_CHANNEL)) == 1


def scores(db: Database) -> int:
    with db.read() as session:
        return len(list(session.scalars(select(Score))))
