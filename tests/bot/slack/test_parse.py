"""Slack payloads (recorded shapes in tests/fixtures/slack) -> the desk's Inbound."""

from __future__ import annotations

import json
import time
from datetime import datetime

from slack_sdk.signature import SignatureVerifier

from bot.slack import parse
from bot.slack.http import signed_by_slack
from bot.slack.modals import form_metadata
from bot.slack.runtime import region_label
from tests.conftest import BRUSSELS
from tests.fakes.slack_caller import fixture, sign

NOW = datetime(2026, 11, 26, 10, tzinfo=BRUSSELS)


def test_a_slash_command_is_the_text_after_s3() -> None:
    body = fixture("slash_command")
    body["text"] = 'note TA-2026-0007 "A &amp; B" &lt;draft&gt; for <@U0EVA0001|eva>'
    inbound = parse.slash_command(body, NOW)
    assert inbound.text == 'note TA-2026-0007 "A & B" <draft> for <@U0EVA0001|eva>'
    assert (inbound.platform, inbound.user_id) == ("slack", "U0SEC0001")
    assert inbound.where is not None and inbound.where.channel_id == "C0CASES01"
    assert inbound.where.thread_id is None
    assert inbound.source_id == "command:" + body["trigger_id"]


def test_a_button_runs_its_value_as_whoever_pressed_it() -> None:
    body = fixture("block_actions")
    body["user"]["id"] = "U0OTHER01"
    body["container"]["thread_ts"] = "1790000001.000100"
    inbound = parse.block_action(body, body["actions"][0], NOW)
    assert inbound.user_id == "U0OTHER01"
    assert inbound.text == "list status:received page:2"
    assert inbound.where is not None and inbound.where.thread_id == "1790000001.000100"
    assert inbound.source_id == "action:" + body["trigger_id"]


def test_a_modal_submission_carries_its_command_and_values() -> None:
    body = fixture("view_submission")
    body["view"]["private_metadata"] = form_metadata("score TA-2026-0007", "C0EVAL001", "17.5")
    body["view"]["state"] = {"values": {
        "in.relevance": {"value": {"type": "number_input", "value": "4"}},
        "in.comment": {"value": {"type": "plain_text_input", "value": None}},
        "in.challenges": {"value": {"type": "checkboxes", "selected_options": []}},
    }}
    inbound = parse.view_submission(body, NOW)
    assert inbound.text == "score TA-2026-0007"
    assert inbound.form == {"relevance": "4"}  # empty fields are left out, as typed
    assert inbound.where is not None
    assert (inbound.where.channel_id, inbound.where.thread_id) == ("C0EVAL001", "17.5")
    assert inbound.source_id == "view:V0FORM0001:1790000003.AbCdEf12"
    body["view"]["private_metadata"] = "not json"
    assert parse.view_submission(body, NOW).text == ""


def test_a_thread_reply_runs_as_its_author_in_its_thread() -> None:
    body = fixture("event_message_in_thread")
    body["event"]["text"] = "<@UBOT0S3> " + body["event"]["text"]
    inbound = parse.thread_message(body, NOW)
    assert inbound.text.startswith("score relevance=4") and inbound.text.endswith("solid & focused")
    assert inbound.user_id == "U0EVA0001"
    assert inbound.where is not None and inbound.where.thread_id == "1790000001.000100"
    assert inbound.source_id == "event:Ev0THREAD01"


def test_only_plain_messages_from_people_count() -> None:
    event = fixture("event_message_in_thread")["event"]
    assert parse.is_person_message(event, "UBOT0S3")
    assert not parse.is_person_message({**event, "subtype": "message_changed"}, "UBOT0S3")
    assert not parse.is_person_message({**event, "subtype": "channel_join"}, "UBOT0S3")
    assert not parse.is_person_message({**event, "bot_id": "B999"}, "UBOT0S3")
    assert not parse.is_person_message({**event, "user": "UBOT0S3"}, "UBOT0S3")
    assert not parse.is_person_message({**event, "text": "  "}, "UBOT0S3")


def test_region_labels_add_a_latin_reading_for_other_scripts() -> None:
    assert region_label("BG31", "Северозападен") == "BG31 Северозападен (Severozapaden)"
    assert region_label("FR10", "Ile-de-France") == "FR10 Ile-de-France"
    assert region_label("ES61", "Andalucía") == "ES61 Andalucía"


def test_the_signature_check_refuses_malformed_headers_without_raising() -> None:
    verifier = SignatureVerifier("secret")
    body = json.dumps(fixture("app_home_opened")).encode()
    now = str(int(time.time()))

    def check(timestamp: str, signature: str) -> bool:
        return signed_by_slack(verifier, {"X-Slack-Request-Timestamp": timestamp,
                                          "X-Slack-Signature": signature}, body)

    assert check(now, sign("secret", now, body))
    for timestamp in ("", "abc", "1e9", "-5", "12.5", " " + now, "9" * 40):
        assert not check(timestamp, sign("secret", timestamp, body)), timestamp
    assert not check(now, "")
    assert not check(now, sign("secret", now, body).upper())
    assert not signed_by_slack(verifier, {}, body)
