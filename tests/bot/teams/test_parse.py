"""Teams activities as desk requests: identity, command text, thread and card submits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botbuilder.schema import Activity

from bot.teams import parse
from tests.fakes.teams_activities import (
    EVALUATION_CHANNEL,
    TENANT,
    Activities,
    TeamsUser,
    fixture,
)

SOFIA = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000a1", "Sofia Secretariat")
EVA = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000e1", "Eva Evaluator")
SERVICE = "http://127.0.0.1:9/"


def read(payload: dict[str, Any], now: datetime, **kwargs: Any) -> parse.Arrival:
    arrival = parse.read_activity(Activity().deserialize(payload), now, **kwargs)
    assert arrival is not None
    return arrival


def test_channel_message_loses_the_bot_mention_and_names_the_channel(now: datetime) -> None:
    arrival = read(fixture("channel_message_mention"), now)
    inbound = arrival.inbound
    assert inbound.text == "here evaluation"
    assert inbound.platform == "teams"
    assert inbound.user_id == "6a1f0c2e-1111-4a6e-9c8d-0000000000a1"
    assert inbound.display_name == "Sofia Secretariat"
    assert inbound.source_id == "1764147600001"
    assert arrival.tenant_id == TENANT and arrival.shared
    where = inbound.where
    assert where is not None
    assert where.channel_id == EVALUATION_CHANNEL
    assert where.channel_name == "evaluation"
    # a new post is a thread root itself, not a reply inside a thread
    assert where.thread_id is None
    ref = where.conversation_ref
    assert ref is not None
    assert ref["conversation"]["id"] == EVALUATION_CHANNEL
    assert ref["conversation"]["tenantId"] == TENANT
    assert ref["serviceUrl"] == "https://smba.trafficmanager.net/emea/"
    assert "activityId" not in ref


def test_a_reply_in_a_channel_thread_names_the_thread_root(now: datetime) -> None:
    activities = Activities(SERVICE)
    payload = activities.channel(EVA, "score relevance=4", thread_root="1764140000042")
    inbound = read(payload, now).inbound
    assert inbound.where is not None
    assert inbound.where.thread_id == "1764140000042"
    assert inbound.where.channel_id == EVALUATION_CHANNEL
    assert inbound.text == "score relevance=4"


def test_personal_chat_takes_the_whole_text(now: datetime) -> None:
    payload = fixture("personal_message")
    payload["text"] = "note TA-2026-0001  two  spaces & <b>kept</b>"
    arrival = read(payload, now)
    assert arrival.inbound.text == "note TA-2026-0001  two  spaces & <b>kept</b>"
    assert not arrival.shared and arrival.conversation_type == "personal"


def test_teams_entities_and_non_breaking_spaces_read_as_typed(now: datetime) -> None:
    payload = fixture("channel_message_mention")
    payload["text"] = "<at>S3 Desk</at>&nbsp;note TA-2026-0001 R&amp;D\xa0plan"
    assert read(payload, now).inbound.text == "note TA-2026-0001 R&D plan"


def test_a_mentioned_person_becomes_their_aad_object_id(now: datetime) -> None:
    activities = Activities(SERVICE)
    payload = activities.channel(SOFIA, f"role <at>{EVA.name}</at> evaluator", mentions=(EVA,))
    assert read(payload, now).inbound.text == f"role <@{EVA.aad}> evaluator"
    # without the id in the mention, the edge looks the member up and passes it in
    payload = activities.channel(SOFIA, f"role <at>{EVA.name}</at> evaluator", mentions=(EVA,),
                                 mention_aad=False)
    activity = Activity().deserialize(payload)
    assert parse.other_mentions(activity, "28:s3desk-bot") == [(EVA.member_id, EVA.name)]
    arrival = parse.read_activity(activity, now, {EVA.member_id: EVA.aad})
    assert arrival is not None and arrival.inbound.text == f"role <@{EVA.aad}> evaluator"


def test_a_form_submit_runs_its_command_with_the_values(now: datetime) -> None:
    arrival = read(fixture("card_submit_message"), now)
    assert arrival.inbound.text == "score TA-2026-0001"
    assert arrival.inbound.form == {"relevance": "4", "need": "3", "feasibility": "5",
                                    "impact": "4", "comment": "Clear need, committed team."}
    assert arrival.is_form and arrival.from_card == "1764147600150"
    assert arrival.inbound.user_id == EVA.aad


def test_multi_choice_values_come_back_as_lists_and_blanks_are_dropped(now: datetime) -> None:
    payload = fixture("card_submit_message")
    payload["value"] = {"s3desk": "new", "s3desk_form": True, "s3desk_lists": ["challenges"],
                        "challenges": "green,digital", "org": "  Region X ", "needs": "",
                        "topic": None}
    assert read(payload, now).inbound.form == {"challenges": ["green", "digital"],
                                               "org": "Region X"}


def test_a_button_press_runs_its_command_without_a_form(now: datetime) -> None:
    payload = fixture("card_submit_message")
    payload["value"] = {"s3desk": "show TA-2026-0001"}
    arrival = read(payload, now)
    assert arrival.inbound.text == "show TA-2026-0001"
    assert arrival.inbound.form is None and not arrival.is_form


def test_action_execute_carries_the_same_data(now: datetime) -> None:
    arrival = read(fixture("card_execute_invoke"), now)
    assert arrival.inbound.text == "help"
    assert arrival.from_card == "1764147600160"


def test_an_install_is_not_a_command(now: datetime) -> None:
    payload = fixture("conversation_update_install")
    assert parse.read_activity(Activity().deserialize(payload), now) is None
    reference = parse.channel_reference(Activity().deserialize(payload))
    assert reference["conversation"]["id"] == "19:s3cop-team@thread.tacv2"


def test_thread_conversation_ids() -> None:
    assert parse.thread_conversation(EVALUATION_CHANNEL, "17") == \
        f"{EVALUATION_CHANNEL};messageid=17"
    assert parse.thread_conversation(f"{EVALUATION_CHANNEL};messageid=9", "17") == \
        f"{EVALUATION_CHANNEL};messageid=17"
    assert parse.thread_root_of(EVALUATION_CHANNEL) is None
    assert parse.channel_of("a:1personal") == "a:1personal"
