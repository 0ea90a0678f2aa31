"""`link`: one person behind a Slack, a Teams and a console account, joined with a code."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from handlers.core.desk import Desk
from storage.db import Database
from storage.models import (
    Application,
    AuditEntry,
    EvaluatorAssignment,
    Identity,
    LinkCode,
    Person,
)
from tests.conftest import Chat, make_person
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector
from tests.fakes.teams_activities import Activities
from tests.fakes.teams_server import InProcessTeams
from tests.fakes.teams_world import (  # noqa: F401  (fixtures)
    EVA,
    activities_fixture,
    connector_fixture,
    teams_fixture,
    texts,
)

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def code_from(chat: Chat) -> str:
    card = chat("link").reply
    found = CODE.search(" ".join(card.text))
    assert found, card
    return found.group(0)


def person_of(db: Database, platform: str, user_id: str) -> Person | None:
    with db.read() as session:
        identity = session.scalar(select(Identity).where(Identity.platform == platform,
                                                         Identity.platform_user_id == user_id))
        if identity is None:
            return None
        person = session.get(Person, identity.person_id)
        assert person is not None
        _ = person.role_names
        return person


def assign(db: Database, person_id: int, ref: str) -> None:
    with db.transaction() as session:
        app_id = session.scalar(select(Application.id).where(Application.ref == ref))
        session.add(EvaluatorAssignment(application_id=app_id, person_id=person_id,
                                        active=True))


def test_a_code_joins_a_new_account_to_the_person(desk: Desk, db: Database,
                                                   now: datetime) -> None:
    sec = make_person(db, "sec", "secretariat", platform="slack")
    code = code_from(Chat(desk, "sec", now, "slack"))
    teams_chat = Chat(desk, EVA.aad, now, "teams")
    assert "not registered" in teams_chat("list").reply.text[0]
    outcome = teams_chat(f"link {code.lower().replace('-', ' ')}")
    assert outcome.reply.tone == "success", outcome.reply
    joined = person_of(db, "teams", EVA.aad)
    assert joined is not None and joined.id == sec
    assert joined.role_names == {"secretariat"}
    assert teams_chat("list").reply.tone != "error"
    # once only
    again = Chat(desk, "someone-else", now, "teams")(f"link {code}")
    assert again.reply.tone == "error" and "unknown, used or expired" in again.reply.text[0]
    assert person_of(db, "teams", "someone-else") is None
    with db.read() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions[-2:] == ["link code", "link"]
        # the code itself is never written to the audit log
        logged = " ".join(str(a.after) for a in session.scalars(select(AuditEntry)))
        assert code not in logged


def test_an_expired_code_does_nothing(desk: Desk, db: Database, now: datetime) -> None:
    make_person(db, "sec", "secretariat", platform="slack")
    code = code_from(Chat(desk, "sec", now, "slack"))
    late = Chat(desk, EVA.aad, now + timedelta(minutes=16), "teams")(f"link {code}")
    assert late.reply.tone == "error"
    assert person_of(db, "teams", EVA.aad) is None


def test_strangers_get_no_code(desk: Desk, db: Database, now: datetime) -> None:
    outcome = Chat(desk, "nobody", now, "teams")("link")
    assert outcome.reply.tone == "error"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(LinkCode)) == 0


def test_two_people_merge_into_one_with_their_cases_and_roles(
        desk: Desk, db: Database, now: datetime) -> None:
    add_cutoff(db)
    first = add_application(db, CUTOFF, status="in_evaluation")
    second = add_application(db, CUTOFF, status="in_evaluation")
    slack_person = make_person(db, "U0EVA", "evaluator", platform="slack")
    teams_person = make_person(db, EVA.aad, "observer", platform="teams")
    assign(db, slack_person, first)
    assign(db, teams_person, second)
    code = code_from(Chat(desk, "U0EVA", now, "slack"))
    outcome = Chat(desk, EVA.aad, now, "teams")(f"link {code}")
    assert "now one" in outcome.reply.text[0]
    merged = person_of(db, "teams", EVA.aad)
    assert merged is not None and merged.id == slack_person
    assert merged.role_names == {"evaluator", "observer"}
    with db.read() as session:
        assert session.get(Person, teams_person) is None
        panel = set(session.scalars(select(EvaluatorAssignment.person_id)))
        assert panel == {slack_person}
        merge = session.scalar(select(AuditEntry).where(AuditEntry.action == "merge"))
        assert merge is not None and merge.before is not None
        assert merge.before["merged_person"] == teams_person


def test_a_merge_that_would_double_a_panel_seat_changes_nothing(
        desk: Desk, db: Database, now: datetime) -> None:
    add_cutoff(db)
    ref = add_application(db, CUTOFF, status="in_evaluation")
    slack_person = make_person(db, "U0EVA", "evaluator", platform="slack")
    teams_person = make_person(db, EVA.aad, "evaluator", platform="teams")
    assign(db, slack_person, ref)
    assign(db, teams_person, ref)
    code = code_from(Chat(desk, "U0EVA", now, "slack"))
    outcome = Chat(desk, EVA.aad, now, "teams")(f"link {code}")
    assert outcome.reply.tone == "error" and "cannot be joined" in outcome.reply.text[0]
    kept = person_of(db, "teams", EVA.aad)
    assert kept is not None and kept.id == teams_person
    with db.read() as session:
        assert session.scalar(select(LinkCode.used_at)) is None


def test_linking_over_the_teams_wire(
        teams: InProcessTeams, connector: FakeConnector, activities: Activities,
        desk: Desk, db: Database, now: datetime) -> None:
    sec = make_person(db, "sec", "secretariat", platform="slack")
    code = code_from(Chat(desk, "sec", now, "slack"))
    teams.post(activities.personal(EVA, f"link {code}"))
    assert "Linked to sec" in texts(connector, EVA.personal_chat)[0]
    joined = person_of(db, "teams", EVA.aad)
    assert joined is not None and joined.id == sec


def test_the_operator_links_two_accounts(db: Database, database_url: str) -> None:
    sec = make_person(db, "U0SEC", "secretariat", platform="slack")
    runner = CliRunner()
    result = runner.invoke(cli, ["link", "slack:U0SEC", f"teams:{EVA.aad}"],
                           env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    joined = person_of(db, "teams", EVA.aad)
    assert joined is not None and joined.id == sec
    refused = runner.invoke(cli, ["link", "slack:UNKNOWN", "teams:x"],
                            env={"DATABASE_URL": database_url})
    assert refused.exit_code == 2
    assert runner.invoke(cli, ["link", "fax:1", "teams:x"],
                         env={"DATABASE_URL": database_url}).exit_code == 2
