"""Teams at the wire: activities into /api/messages, the bot's calls out to a fake connector."""

from __future__ import annotations

from datetime import datetime

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from sqlalchemy import func, select

from bot.config import Settings
from bot.teams.answer import Answerer
from bot.teams.connector import Connector
from bot.teams.http import BotConfiguration
from bot.teams.parse import read_activity
from bot.teams.reach import Reach
from handlers.core.types import Card, Outcome
from storage.db import Database
from storage.models import (
    Application,
    AuditEntry,
    Note,
    Person,
    Place,
    ProcessedEvent,
    Setting,
)
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector, card_of, submit_data, visible_text
from tests.fakes.teams_activities import EVALUATION_CHANNEL, TEAM, Activities
from tests.fakes.teams_server import InProcessTeams, LoopThread
from tests.fakes.teams_world import (  # noqa: F401  (fixtures)
    ED,
    EVA,
    SOFIA,
    STRANGER,
    activities_fixture,
    connector_fixture,
    identity,
    teams_fixture,
    teams_people_fixture,
    texts,
)


def test_a_personal_message_is_answered_in_that_chat(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    activity = activities.personal(SOFIA, "help")
    status, _ = teams.post(activity)
    assert status == 201
    [reply] = connector.sent()
    assert reply.method == "reply" and reply.conversation_id == SOFIA.personal_chat
    assert reply.activity_id == activity["id"]
    assert "S3 Desk: what you may do" in visible_text(reply.body)
    # the one-to-one chat is kept for direct messages later
    kept = identity(db, SOFIA)
    assert kept is not None and kept.tenant_id == activity["channelData"]["tenant"]["id"]
    assert kept.conversation_ref is not None
    assert kept.conversation_ref["conversation"]["id"] == SOFIA.personal_chat
    assert kept.conversation_ref["serviceUrl"] == connector.url


def test_in_a_channel_a_private_answer_goes_to_the_asker_alone(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    activity = activities.channel(SOFIA, "here evaluation")
    assert teams.post(activity)[0] == 201
    with db.read() as session:
        place = session.scalar(select(Place))
    assert place is not None
    assert (place.platform, place.purpose, place.channel_id, place.name) == \
        ("teams", "evaluation", EVALUATION_CHANNEL, "evaluation")
    assert place.conversation_ref is not None
    assert place.conversation_ref["conversation"]["id"] == EVALUATION_CHANNEL
    assert place.conversation_ref["serviceUrl"] == connector.url
    # the answer went to Sofia's own chat (opened for her); the thread only got a pointer
    [opened] = connector.calls_to("create")
    assert opened.body["members"][0]["aadObjectId"] == SOFIA.aad
    assert opened.body["channelData"]["tenant"]["id"] == activity["channelData"]["tenant"]["id"]
    assert "now receives evaluation" in texts(connector, SOFIA.personal_chat)[0]
    thread = f"{EVALUATION_CHANNEL};messageid={activity['id']}"
    assert texts(connector, thread) == ["I have sent you the answer in our private chat."]


def test_the_same_activity_twice_changes_nothing_the_second_time(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, CUTOFF)
    activity = activities.personal(SOFIA, f"note {ref} called the region, all fine")
    assert teams.post(activity)[0] == 201
    assert teams.post(activity)[0] == 201
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Note)) == 1
        assert session.get(ProcessedEvent, f"teams:{activity['id']}") is not None
    first, second = texts(connector, SOFIA.personal_chat)
    assert first == second


def test_a_stranger_is_told_to_ask_the_secretariat(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    teams.post(activities.personal(STRANGER, "list"))
    [answer] = texts(connector, STRANGER.personal_chat)
    assert "not registered with S3 Desk" in answer
    assert identity(db, STRANGER) is None


def test_installing_the_app_keeps_the_team_reference_and_says_hello(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        db: Database) -> None:
    assert teams.post(activities.install(SOFIA))[0] == 201
    with db.read() as session:
        rows = list(session.scalars(select(Setting).where(Setting.key.like("teams.%"))))
    assert len(rows) == 1 and TEAM in rows[0].value and connector.url in rows[0].value
    [hello] = connector.sent()
    assert hello.method == "post" and hello.conversation_id == TEAM
    assert "S3 Desk is here" in visible_text(hello.body)


def test_a_mention_without_its_aad_id_is_looked_up(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    connector.add_member(ED.member_id, ED.aad, ED.name)
    teams.post(activities.channel(SOFIA, f"role <at>{ED.name}</at> observer", mentions=(ED,),
                                  mention_aad=False))
    [lookup] = connector.calls_to("member")
    assert lookup.conversation_id == TEAM
    kept = identity(db, ED)
    assert kept is not None
    with db.read() as session:
        person = session.get(Person, kept.person_id)
        assert person is not None and "observer" in person.role_names


def test_action_execute_is_answered_in_the_invoke_response(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int]) -> None:
    # botbuilder's own aiohttp entry point answers this with HTTP 500 (body serialized twice)
    status, body = teams.post(activities.execute(SOFIA, {"s3desk": "help"},
                                                 conversation=SOFIA.personal_chat,
                                                 card_id="1764140000001"))
    assert status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"
    assert "what you may do" in visible_text({"attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "content": body["value"]}]})
    assert connector.sent() == []


def test_a_form_with_errors_is_redrawn_in_place_then_replaced_by_the_result(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    add_cutoff(db)
    teams.post(activities.personal(SOFIA, "new"))
    [form_post] = connector.sent()
    form_id = connector.conversations[SOFIA.personal_chat][0]["id"]
    data = submit_data(form_post.body, "Register")
    assert data["s3desk"] == "new" and data["s3desk_form"] is True
    # a region that does not exist: the card is drawn again, the error under that input
    teams.post(activities.submit(SOFIA, data, conversation=SOFIA.personal_chat,
                                 card_id=form_id, region="ZZ99", topic="edp",
                                 organisation="Agency of Nowhere", challenges="green,digital"))
    [redraw] = connector.calls_to("update")
    assert redraw.activity_id == form_id
    body = (card_of(redraw.body) or {})["body"]
    at = next(i for i, el in enumerate(body) if el.get("id") == "region")
    assert body[at]["value"] == "ZZ99"
    assert body[at + 1]["inlines"][0]["color"] == "Attention"
    assert next(el for el in body if el.get("id") == "challenges")["value"] == "green,digital"
    assert len(connector.sent()) == 1  # nothing new posted: the form changed in place
    # corrected: the form card becomes the result
    teams.post(activities.submit(SOFIA, data, conversation=SOFIA.personal_chat,
                                 card_id=form_id, region="EL51", topic="edp",
                                 organisation="Agency of Somewhere"))
    done = connector.calls_to("update")[-1]
    assert done.activity_id == form_id
    assert "Agency of Somewhere" in visible_text(done.body)
    assert "Input." not in str(card_of(done.body))
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 1


def test_a_person_registered_by_id_takes_their_teams_name(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    teams.post(activities.personal(EVA, "help"))
    with db.read() as session:
        person = session.get(Person, teams_people["eva"])
        assert person is not None and person.name == EVA.name
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "name"))
        assert audit is not None and audit.after == {"name": EVA.name}
    kept = identity(db, EVA)
    assert kept is not None and kept.display_name == EVA.name
    # a name the secretariat gave is never replaced
    with db.transaction() as session:
        named = session.get(Person, teams_people["ed"])
        assert named is not None
        named.name = "Edward Evaluator"
    teams.post(activities.personal(ED, "help"))
    with db.read() as session:
        assert session.get(Person, teams_people["ed"]).name == "Edward Evaluator"  # type: ignore[union-attr]


def test_action_execute_in_a_channel_answers_privately(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int]) -> None:
    thread = f"{EVALUATION_CHANNEL};messageid=1764140000001"
    status, body = teams.post(activities.execute(SOFIA, {"s3desk": "cutoffs"},
                                                 conversation=thread,
                                                 card_id="1764140000001"))
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"] == "I have sent you the answer in our private chat."
    assert "Cut-offs" in texts(connector, SOFIA.personal_chat)[0] or \
        "cut-off" in texts(connector, SOFIA.personal_chat)[0].lower()
    assert connector.sent_to(thread) == []


def test_an_answer_meant_for_the_channel_goes_into_the_thread(
        connector: FakeConnector, activities: Activities, db: Database, now: datetime) -> None:
    configuration = BotConfiguration(Settings.from_env({}))
    authentication = ConfigurationBotFrameworkAuthentication(configuration)
    connector_client = Connector(authentication, "")
    loop = LoopThread()
    try:
        payload = activities.channel(SOFIA, "announce cutoff:2026-11-25")
        activity = Activity().deserialize(payload)
        arrival = read_activity(activity, now)
        assert arrival is not None
        outcome = Outcome(Card(title="Decisions of the cut-off"), visibility="channel")
        loop.run(Answerer(Reach(db, connector_client)).answer(activity, arrival, outcome))
        loop.run(connector_client.close())
    finally:
        loop.stop()
    [reply] = connector.sent()
    assert reply.conversation_id == payload["conversation"]["id"]
    assert reply.activity_id == payload["id"]
    assert "Decisions of the cut-off" in visible_text(reply.body)
    assert connector.calls_to("create") == []


def test_a_channel_that_moved_service_gets_its_new_reference(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    stale = {"serviceUrl": "https://smba.example/old/", "channelId": "msteams",
             "conversation": {"id": EVALUATION_CHANNEL, "conversationType": "channel"}}
    with db.transaction() as session:
        session.add(Place(platform="teams", purpose="reminders", channel_id=EVALUATION_CHANNEL,
                          conversation_ref=stale))
    teams.post(activities.channel(EVA, "cutoffs"))
    with db.read() as session:
        place = session.scalar(select(Place))
        assert place is not None and place.conversation_ref is not None
        assert place.conversation_ref["serviceUrl"] == connector.url
