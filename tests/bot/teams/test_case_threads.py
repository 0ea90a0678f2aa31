"""A case's thread in a Teams evaluation channel: posted, scored from the card and from a
reply in the thread, its root card kept up to date, blind until every score is in."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database
from storage.models import Application, ThreadLink
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff, score_rows
from tests.fakes.connector import FakeConnector, submit_data, visible_text
from tests.fakes.teams_activities import EVALUATION_CHANNEL, Activities
from tests.fakes.teams_server import InProcessTeams
from tests.fakes.teams_world import (  # noqa: F401  (fixtures)
    ED,
    EVA,
    SOFIA,
    activities_fixture,
    connector_fixture,
    teams_fixture,
    teams_people_fixture,
    texts,
)


def _open_case(teams: InProcessTeams, connector: FakeConnector, activities: Activities,
               db: Database) -> tuple[str, str]:
    teams.post(activities.channel(SOFIA, "here evaluation"))
    add_cutoff(db)
    ref = add_application(db, CUTOFF, status="eligible", organisation="Agency")
    teams.post(activities.personal(SOFIA, f"cutoff close {CUTOFF.isoformat()}"))
    teams.deliver_all()
    [root] = connector.sent_to(EVALUATION_CHANNEL)
    assert root.method == "post"
    root_id = connector.conversations[EVALUATION_CHANNEL][0]["id"]
    teams.post(activities.personal(SOFIA, f"assign {ref} @{EVA.aad} @{ED.aad}"))
    teams.deliver_all()
    return ref, root_id


def test_a_case_is_scored_from_its_card_and_from_its_thread(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        teams_people: dict[str, int], db: Database) -> None:
    ref, root_id = _open_case(teams, connector, activities, db)
    thread = f"{EVALUATION_CHANNEL};messageid={root_id}"
    with db.read() as session:
        link = session.scalar(select(ThreadLink))
        assert link is not None
        assert (link.platform, link.channel_id, link.message_id) == \
            ("teams", EVALUATION_CHANNEL, root_id)
    # the panel is announced in the thread; each evaluator is asked in their own chat
    assert any("Eva" in t or EVA.aad in t for t in texts(connector, thread))
    assert f"Please evaluate {ref}" in texts(connector, EVA.personal_chat)[0]
    assert f"Please evaluate {ref}" in texts(connector, ED.personal_chat)[0]

    # Eva presses Score on the case card in the channel: the form opens in her own chat
    root_card = connector.activity(root_id)
    teams.post(activities.submit(EVA, submit_data(root_card, "Score"), conversation=thread,
                                 card_id=root_id))
    form_post = connector.sent_to(EVA.personal_chat)[-1]
    assert f"Score {ref}" in visible_text(form_post.body)
    assert not any("Score" in t for t in texts(connector, thread)[1:] if "relevance" in t)
    form_id = connector.conversations[EVA.personal_chat][-1]["id"]
    teams.post(activities.submit(EVA, submit_data(form_post.body, "Submit"),
                                 conversation=EVA.personal_chat, card_id=form_id,
                                 relevance="5", need="4", feasibility="4", impact="5",
                                 comment="Strong case"))
    assert "your scores are recorded" in visible_text(connector.calls_to("update")[-1].body)
    teams.deliver_all()
    edit = connector.calls_to("update")[-1]
    assert edit.activity_id == root_id and edit.conversation_id == EVALUATION_CHANNEL
    shown = visible_text(edit.body)
    assert "1 of 2 scored" in shown
    # blind: nothing in the channel shows Eva's values while Ed has not scored
    channel_text = "\n".join([*texts(connector, thread), shown])
    assert "Strong case" not in channel_text

    # Ed answers inside the thread, without the reference
    reply = activities.channel(ED, "score relevance=3 need=3 feasibility=4 impact=3 solid",
                               thread_root=root_id)
    teams.post(reply)
    assert "your scores are recorded" in texts(connector, ED.personal_chat)[-1]
    assert "I have sent you the answer in our private chat." in texts(connector, thread)
    teams.deliver_all()
    assert "2 of 2 scored" in visible_text(connector.calls_to("update")[-1].body)
    assert any("scoring complete" in t for t in texts(connector, thread))
    assert len(score_rows(db, ref)) == 2
    with db.read() as session:
        assert session.scalar(select(Application.status).where(Application.ref == ref)) == \
            "scored"
