"""End to end: the real `s3desk serve`, driven over loopback HTTP exactly as Slack does.

Signed slash commands (form bodies), block actions and view submissions (the `payload`
form field), event callbacks; a local fake of the Slack Web API records every call the
server makes. Each test checks what the person saw and what was stored. One server for
the whole module (starting one costs seconds); the store is emptied before each test.
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers.cases.intake import create_application
from handlers.cases.intake_fields import IntakeFields
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Application, Note, ProcessedEvent, Region, Score, ThreadLink
from tests.conftest import BRUSSELS, make_person
from tests.fakes.block_kit import block_problems, live_markup, view_problems
from tests.fakes.s3desk_server import RunningServer, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import (
    SlackCaller,
    multi_state,
    select_state,
    sign,
    text_state,
)
from tests.fakes.slack_world import (  # noqa: F401  (fixtures)
    SECRET,
    fake_slack_fixture,
    slack_server_fixture,
)

SEC, EVA, ED, STRANGER = "U0SEC0001", "U0EVA0001", "U0ED00001", "U0STRANGE"
CASES, EVAL = "C0CASES01", "C0EVAL001"
EVIL = "<!channel> Evil & Co <https://evil.example|Portal> <@U024BE7LH>"


@pytest.fixture
def slack(server: RunningServer, fake: FakeSlack, db: Database) -> SlackCaller:
    fake.reset()
    make_person(db, SEC, "secretariat", platform="slack")
    make_person(db, EVA, "evaluator", platform="slack")
    make_person(db, ED, "evaluator", platform="slack")
    return SlackCaller(server.base_url + "/slack/events", SECRET, fake.response_url("r"))


def count(db: Database, model: Any) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def ack_blocks(answer: Any) -> list[dict[str, Any]]:
    assert answer.status == 200, answer.body
    payload = answer.json
    assert block_problems(payload["blocks"]) == []
    assert live_markup(payload) == []
    return payload["blocks"]


def shown(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


def everything_sent(fake: FakeSlack) -> list[Any]:
    return [c.params for c in fake.calls if c.method != "auth.test"]


def new_case(slack: SlackCaller, org: str = "Agency of Eastern Macedonia") -> str:
    answer = slack.slash(f'new region:EL51 topic:edp org:"{org}" contact:"Ann Papa" '
                         "email:ann@example.eu submitted:2026-09-10", user=SEC)
    title = answer.json["blocks"][0]["text"]["text"]
    assert "TA-2026-" in title, answer.body
    return "TA-2026-" + title.split("TA-2026-")[1][:4]


def open_case_thread(slack: SlackCaller, fake: FakeSlack, db: Database,
                     org: str = "Agency") -> tuple[str, str]:
    """A case in evaluation with two evaluators; its card posted in EVAL; (ref, root ts)."""
    ack_blocks(slack.slash("here evaluation", user=SEC, channel=EVAL))
    ref = new_case(slack, org)
    ack_blocks(slack.slash(f"eligible {ref} category:less_developed", user=SEC))
    ack_blocks(slack.slash("cutoff close 2026-09-30", user=SEC))
    ack_blocks(slack.slash(f"assign {ref} <@{EVA}> <@{ED}>", user=SEC))
    # the messenger links the case's card to the case once Slack has taken the post; the
    # link, not the first post seen, names the root (posts of an earlier test may trail in)
    links = wait_until(lambda: thread_links(db))
    assert links, "the case card never reached the evaluation channel"
    (channel, root), = links
    assert channel == EVAL
    assert any(c.answer.get("ts") == root for c in fake.calls_to("chat.postMessage"))
    return ref, root


def thread_links(db: Database) -> list[tuple[str, str]]:
    with db.read() as session:
        return [(c, m) for c, m in session.execute(
            select(ThreadLink.channel_id, ThreadLink.message_id))]


# ---- inbound safety ---------------------------------------------------------------------

def test_bad_signatures_are_refused_and_change_nothing(
        slack: SlackCaller, fake: FakeSlack, server: RunningServer, db: Database) -> None:
    body = slack.slash_body('new region:EL51 topic:edp org:"Secret Applicant Ltd"', user=SEC)
    now = int(time.time())
    good = str(now)
    tries = {
        "missing signature": {"signature": ""},
        "wrong secret": {"signature": sign("not-the-secret", good, body)},
        "not hex": {"signature": "v0=" + "z" * 64},
        "five minutes old": {"timestamp": str(now - 301),
                             "signature": sign(SECRET, str(now - 301), body)},
        "from the future": {"timestamp": str(now + 600),
                            "signature": sign(SECRET, str(now + 600), body)},
        "non-numeric timestamp": {"timestamp": "1e9", "signature": sign(SECRET, "1e9", body)},
        "timestamp with spaces": {"timestamp": f" {now}",
                                  "signature": sign(SECRET, f" {now}", body)},
        "missing timestamp": {"timestamp": "", "signature": sign(SECRET, "", body)},
    }
    for name, headers in tries.items():
        answer = slack.send(body, "application/x-www-form-urlencoded", **headers)
        assert answer.status == 401, name
    assert count(db, Application) == 0
    assert count(db, ProcessedEvent) == 0
    assert everything_sent(fake) == []
    assert "Secret Applicant" not in server.log()
    # the same body, signed properly, does act: the refusals above were the signature's
    assert slack.send(body, "application/x-www-form-urlencoded").status == 200
    assert count(db, Application) == 1


def test_a_slash_command_is_answered_in_its_ack(slack: SlackCaller, fake: FakeSlack) -> None:
    blocks = ack_blocks(slack.slash("help", user=SEC))
    assert "what you may do" in shown(blocks)
    assert slack.slash("help", user=SEC).json["response_type"] == "ephemeral"
    assert everything_sent(fake) == []  # no Web API call: the answer rode on the ack


def test_the_events_url_answers_slacks_challenge(slack: SlackCaller) -> None:
    body = json.dumps({"token": "x", "challenge": "c-4711", "type": "url_verification"})
    answer = slack.send(body.encode(), "application/json")
    assert answer.status == 200 and "c-4711" in answer.body
    unsigned = slack.send(body.encode(), "application/json", signature="")
    assert unsigned.status == 401


def test_an_outsider_is_refused_and_nothing_is_stored(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    blocks = ack_blocks(slack.slash('new region:EL51 topic:edp org:"Sneaky"', user=STRANGER))
    assert blocks[0]["text"]["text"].startswith(":x:")
    assert "not registered" in shown(blocks)
    # a button carries a command, never an identity: pressed by an outsider it is refused
    assert slack.press('new region:EL51 topic:edp org:"Sneaky"', user=STRANGER).status == 200
    answers = wait_until(lambda: fake.calls_to("response_url"))
    assert "not registered" in shown(answers[0].params)
    assert count(db, Application) == 0


def test_replayed_and_retried_requests_have_one_effect(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    body = slack.slash_body('new region:EL51 topic:edp org:"Once Only"', user=SEC,
                            trigger="trg-replayed-1")
    first = slack.send(body, "application/x-www-form-urlencoded")
    again = slack.send(body, "application/x-www-form-urlencoded")
    assert first.status == again.status == 200
    assert count(db, Application) == 1
    assert first.json["blocks"][0] == again.json["blocks"][0]
    ref = first.json["blocks"][0]["text"]["text"].split(" ")[-1]
    # an event Slack retries (X-Slack-Retry-Num) runs once and is answered once
    dm = {"type": "message", "user": SEC, "text": f"note {ref} called the region",
          "channel": "D0SEC0001", "channel_type": "im", "ts": "1790000100.000100",
          "event_ts": "1790000100.000100"}
    assert slack.event(dm, event_id="Ev0RETRY01").status == 200
    assert slack.event(dm, event_id="Ev0RETRY01", retry=1).status == 200
    assert slack.event(dm, event_id="Ev0RETRY01", retry=2).status == 200
    posts = wait_until(lambda: fake.calls_to("chat.postMessage"))  # the work follows the ack
    assert count(db, Note) == 1
    time.sleep(0.2)  # a second post, if any, would have been made by now
    assert len([c for c in fake.calls_to("chat.postMessage")
                if c.params["channel"] == "D0SEC0001"]) == len(posts) == 1


# ---- what people see ---------------------------------------------------------------------

def test_mentions_typed_by_people_notify_no_one(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    ref, _ = open_case_thread(slack, fake, db, org=EVIL)
    for command in (f"show {ref}", "list", f"list q:{EVIL.split()[1]}"):
        ack_blocks(slack.slash(command, user=SEC))
    assert any("&lt;!channel&gt; Evil &amp; Co" in shown(c.params)
               for c in fake.calls_to("chat.postMessage"))
    for sent in everything_sent(fake):
        assert live_markup(sent) == [], sent


def test_a_500_application_list_stays_within_slack_limits(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    config = ProgrammeConfig(timezone=BRUSSELS)
    now = datetime(2026, 11, 26, 9, tzinfo=BRUSSELS)
    with db.transaction() as session:
        region = session.get(Region, "EL51")
        for n in range(500):
            fields = IntakeFields(region=region, topic="edp",
                                  organisation=f"{EVIL} regional agency number {n} " * 3,
                                  needs="<!here> " * 400)
            create_application(session, fields, now, config)
    blocks = ack_blocks(slack.slash("list status:received", user=SEC))
    pager = [e for b in blocks if b["type"] == "actions" for e in b["elements"]
             if e["action_id"] == "s3.page.next"]
    assert pager, "a long list pages"
    assert slack.press(pager[0]["value"], user=SEC, action_id="s3.page.next").status == 200
    page = wait_until(lambda: fake.calls_to("response_url"))[0].params
    assert page["replace_original"] is True
    assert block_problems(page["blocks"]) == [] and live_markup(page) == []
    assert "Page 2" in shown(page)


# ---- modals, type-ahead, case threads, App Home -------------------------------------------

def test_the_intake_modal_validates_then_registers(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    assert slack.slash("new", user=SEC).status == 200
    opened = wait_until(lambda: fake.calls_to("views.open"))
    view = opened[0].params["view"]
    assert view_problems(view) == []
    blocks = {b["block_id"] for b in view["blocks"] if b["type"] == "input"}
    assert {"in.region", "in.topic", "in.organisation"} <= blocks
    values = {"region": select_state("EL51", "external_select"), "topic": select_state("edp"),
              "challenges": multi_state(["green"]), "organisation": text_state(None)}
    wrong = slack.submit(view, values, user=SEC)
    assert wrong.status == 200
    assert wrong.json["response_action"] == "errors"
    assert set(wrong.json["errors"]) == {"in.organisation"}
    assert count(db, Application) == 0
    values["organisation"] = text_state(EVIL)
    done = slack.submit(view, values, user=SEC, view_hash="h-ok")
    assert done.status == 200 and done.body in ("", "{}")
    assert slack.submit(view, values, user=SEC, view_hash="h-ok").status == 200  # replayed
    assert count(db, Application) == 1
    told = wait_until(lambda: fake.calls_to("chat.postEphemeral"))
    assert len(told) == 1 and told[0].params["user"] == SEC
    assert "Registered" in shown(told[0].params) and live_markup(told[0].params) == []


def test_region_type_ahead_folds_scripts_and_accents(slack: SlackCaller) -> None:
    for typed, code in (("anatoliki", "EL51"), ("severozapaden", "BG31"),
                        ("nord est", "RO21"), ("EL5", "EL51")):
        answer = slack.suggest(typed, user=SEC)
        assert answer.status == 200
        assert code in [o["value"] for o in answer.json["options"]], typed


def test_scoring_in_a_case_thread_is_blind_until_all_are_in(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    ref, root = open_case_thread(slack, fake, db)
    # talk in the thread is not a command; bot posts and edits are ignored
    assert slack.thread_reply("I think this one is strong", user=EVA, channel=EVAL,
                              thread_ts=root).status == 200
    assert slack.thread_reply("score relevance=1", user=EVA, channel=EVAL, thread_ts=root,
                              subtype="message_changed").status == 200
    first = slack.thread_reply("score relevance=4 need=3 feasibility=4 impact=3 zebra crossing",
                               user=EVA, channel=EVAL, thread_ts=root)
    assert first.status == 200
    receipt = wait_until(lambda: fake.calls_to("chat.postEphemeral"))
    assert len(receipt) == 1
    assert receipt[0].params["thread_ts"] == root
    assert receipt[0].params["user"] == EVA and "recorded" in shown(receipt[0].params)
    assert count(db, Score) == 1
    assert wait_until(lambda: any("1 of 2" in shown(c.params)
                                  for c in fake.calls_to("chat.update")))
    public = shown([c.params for c in fake.calls_to("chat.postMessage", "chat.update")])
    assert "1 of 2 scored" in public
    assert "zebra" not in public and "*Relevance*" not in public
    # `score` alone in the thread offers the form; the button opens it as a modal
    slack.thread_reply("score", user=ED, channel=EVAL, thread_ts=root)
    offer = wait_until(lambda: [c for c in fake.calls_to("chat.postEphemeral")
                                if c.params["user"] == ED])
    button = offer[0].params["blocks"][-1]["elements"][0]
    slack.press(button["value"], user=ED, channel=EVAL, thread_ts=root)
    view = wait_until(lambda: fake.calls_to("views.open"))[0].params["view"]
    scores = {"relevance": "9", "need": "2", "feasibility": "2", "impact": "2"}
    state = {k: {"type": "number_input", "value": v} for k, v in scores.items()}
    wrong = slack.submit(view, state, user=ED)
    assert wrong.json["response_action"] == "errors" and "in.relevance" in wrong.json["errors"]
    state["relevance"] = {"type": "number_input", "value": "2"}
    assert slack.submit(view, state, user=ED).status == 200
    assert count(db, Score) == 2
    assert wait_until(lambda: any("2 of 2" in shown(c.params)
                                  for c in fake.calls_to("chat.update")))
    with db.read() as session:
        assert session.scalar(select(Application.status).where(Application.ref == ref)) \
            == "scored"


def test_app_home_shows_what_waits_for_the_person(
        slack: SlackCaller, fake: FakeSlack, db: Database) -> None:
    ref, _ = open_case_thread(slack, fake, db)
    assert slack.home_opened(user=EVA).status == 200
    published = wait_until(lambda: fake.calls_to("views.publish"))
    view = published[0].params["view"]
    assert published[0].params["user_id"] == EVA and view["type"] == "home"
    assert view_problems(view) == []
    assert "Cases to score" in shown(view) and f"score {ref}" in shown(view)
    # a button on App Home has no message to answer under: its answer opens as a modal
    slack.press(f"show {ref}", user=EVA, container={"type": "view", "view_id": "VHOME0001"})
    modal = wait_until(lambda: fake.calls_to("views.open"))
    assert ref in shown(modal[0].params["view"])
