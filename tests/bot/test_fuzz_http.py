"""Fuzzed requests at the real `s3desk serve`, Slack and Teams: never a 5xx, never a traceback.

Each example starts from a recorded payload (tests/fixtures), fills its text with awkward
characters (lone surrogates, NUL, control characters, ...) and breaks it further: fields
dropped or replaced by JSON of another shape. Slack requests are signed, so they reach the
listeners; Teams activities go to the development endpoint on loopback, which checks no
token. A few hundred requests in all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from storage.db import Database
from storage.models import Note
from tests.awkward_text import awkward_text
from tests.conftest import make_person
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector
from tests.fakes.s3desk_server import RunningServer
from tests.fakes.slack_caller import FORM, SlackCaller, fixture, unique
from tests.fakes.slack_world import (  # noqa: F401  (fixtures)
    SECRET,
    fake_slack_fixture,
    slack_server_fixture,
)
from tests.fakes.teams_activities import Activities
from tests.fakes.teams_server import http_post
from tests.fakes.teams_world import SOFIA

SEC = "U0SEC0001"
REF = "TA-2026-0001"
COMMANDS = ("", "help", "new", "list", "list q:", f"show {REF}", f"note {REF} ",
            "new region:EL51 topic:edp org:", "cutoffs", "score ", f"status {REF} ")
FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | awkward_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(awkward_text, inner,
                                                                max_size=3),
    max_leaves=6)
typed = st.tuples(st.sampled_from(COMMANDS), awkward_text).map("".join)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a JSON tree, the tree itself excepted."""
    items = value.items() if isinstance(value, dict) else enumerate(value) \
        if isinstance(value, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from paths(child, (*prefix, key))


def broken(draw: Callable[..., Any], payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` with up to three of its fields dropped or given another shape."""
    for _ in range(draw(st.integers(0, 3))):
        place = draw(st.sampled_from(list(paths(payload))))
        parent: Any = payload
        for key in place[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            del parent[place[-1]]
        else:
            parent[place[-1]] = draw(json_values)
    return payload


@pytest.fixture(scope="module")
def connector() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture
def desk_state(server: RunningServer, db: Database) -> RunningServer:
    make_person(db, SEC, "secretariat", platform="slack")
    make_person(db, SOFIA.aad, "secretariat", platform="teams")
    add_cutoff(db)
    add_application(db, CUTOFF)
    return server


def assert_clean(status: int, server: RunningServer) -> None:
    assert status < 500, server.log()[-3000:]


def assert_quiet_log(server: RunningServer) -> None:
    log = server.log()
    assert "Traceback" not in log and " ERROR " not in log, log[-5000:]


def test_the_reported_examples(desk_state: RunningServer, connector: FakeConnector,
                               db: Database) -> None:
    slack = SlackCaller(desk_state.base_url + "/slack/events", SECRET)
    fields = {**fixture("slash_command"), "text": "help"}
    del fields["trigger_id"]
    assert slack.send(urlencode(fields).encode(), FORM).status == 400
    activity = Activities(connector.url).personal(SOFIA, "help \ud800")
    url = desk_state.base_url + "/api/messages"
    assert http_post(url, None, raw=json.dumps(activity).encode())[0] == 201
    note = Activities(connector.url).personal(SOFIA, f"note {REF} called\x00 the\x07 region")
    assert http_post(url, note)[0] == 201
    with db.read() as session:
        assert session.scalar(select(Note.text)) == "called the region"
    assert_quiet_log(desk_state)


def test_fuzzed_slash_commands(desk_state: RunningServer) -> None:
    slack = SlackCaller(desk_state.base_url + "/slack/events", SECRET)

    @FUZZ
    @given(st.data())
    def one(data: st.DataObject) -> None:
        fields = {**fixture("slash_command"), "text": data.draw(typed),
                  "trigger_id": unique("trg"), "response_url": "http://127.0.0.1:9/r"}
        for name in data.draw(st.sets(st.sampled_from(sorted(fields)), max_size=3)):
            del fields[name]
        body = urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
        assert_clean(slack.send(body, FORM).status, desk_state)

    one()
    assert_quiet_log(desk_state)


def test_fuzzed_buttons_forms_and_events(desk_state: RunningServer) -> None:
    slack = SlackCaller(desk_state.base_url + "/slack/events", SECRET)
    kinds = ("block_actions", "view_submission", "block_suggestion",
             "event_message_in_thread", "app_home_opened")

    @FUZZ
    @given(st.data())
    def one(data: st.DataObject) -> None:
        kind = data.draw(st.sampled_from(kinds))
        payload = fixture(kind)
        if kind == "block_actions":
            payload["actions"][0]["value"] = data.draw(typed)
            payload["response_url"] = "http://127.0.0.1:9/r"
        elif kind == "event_message_in_thread":
            payload["event"].update(text=data.draw(typed), channel_type="im")
            payload["event_id"] = unique("Ev")
        payload = broken(data.draw, payload)
        if kind.startswith(("event", "app_home")):
            body, content_type = json.dumps(payload).encode(), "application/json"
        else:
            body, content_type = urlencode({"payload": json.dumps(payload)}).encode(), FORM
        assert_clean(slack.send(body, content_type).status, desk_state)

    one()
    assert_quiet_log(desk_state)


def test_fuzzed_teams_activities(desk_state: RunningServer, connector: FakeConnector) -> None:
    activities = Activities(connector.url)
    url = desk_state.base_url + "/api/messages"

    @FUZZ
    @given(st.data())
    def one(data: st.DataObject) -> None:
        activity = activities.personal(SOFIA, data.draw(typed))
        if data.draw(st.booleans()):
            activity["value"] = {"s3desk": data.draw(typed), "s3desk_form": True,
                                 "note": data.draw(awkward_text)}
        activity = broken(data.draw, activity)
        # json.dumps escapes a lone surrogate as `\ud800`, as a broken client would send it
        status, _ = http_post(url, None, raw=json.dumps(activity).encode())
        assert_clean(status, desk_state)

    one()
    assert_quiet_log(desk_state)
