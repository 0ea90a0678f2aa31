"""Joining two people never changes a name or a country silently: the person joined to
keeps theirs (blanks are filled), every difference is reported, and one may choose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app as cli
from handlers.core.desk import Desk
from handlers.people.grants import grant_role
from storage.db import Database
from storage.models import Identity, Person
from tests.conftest import Chat


def _person(db: Database, platform: str, user: str, name: str | None,
            country: str | None, now: datetime) -> int:
    with db.transaction() as session:
        return grant_role(session, platform=platform, user_id=user, role="evaluator",
                          now=now, source="test", name=name, country=country).person_id


def _behind(db: Database, platform: str, user: str) -> tuple[str, str | None]:
    with db.read() as session:
        person = session.scalar(select(Person).join(Identity).where(
            Identity.platform == platform, Identity.platform_user_id == user))
        assert person is not None
        return person.name, person.country_code


def _code(desk: Desk, now: datetime) -> str:
    return Chat(desk, "U0123ABCD", now, "slack")("link").reply.text[0]


def test_chat_link_keeps_the_code_givers_details_and_says_so(desk: Desk, db: Database,
                                                             now: datetime) -> None:
    _person(db, "slack", "U0123ABCD", "Maria Rossi", "IT", now)
    _person(db, "console", "lauri", "Lauri Fobelli", "DE", now)
    reply = Chat(desk, "lauri", now)(f"link {_code(desk, now)}").reply
    assert reply.tone == "success", reply
    assert "kept the name Maria Rossi; console:lauri had Lauri Fobelli" in reply.text
    assert "kept the country IT; console:lauri had DE" in reply.text
    assert any("details:this" in line for line in reply.context)
    assert _behind(db, "console", "lauri") == ("Maria Rossi", "IT")


def test_chat_link_may_keep_this_accounts_details(desk: Desk, db: Database,
                                                  now: datetime) -> None:
    _person(db, "slack", "U0123ABCD", "Maria Rossi", "IT", now)
    _person(db, "console", "lauri", "Lauri Fobelli", "DE", now)
    reply = Chat(desk, "lauri", now)(f"link {_code(desk, now)} details:this").reply
    assert "name Lauri Fobelli taken from console:lauri (in place of Maria Rossi)" in reply.text
    assert _behind(db, "slack", "U0123ABCD") == ("Lauri Fobelli", "DE")
    bad = Chat(desk, "lauri", now)("link ABCD-EFGH details:mine").reply
    assert bad.tone == "error" and "details:this" in bad.text[0]


def test_the_operator_link_reports_every_difference(db: Database, database_url: str,
                                                    now: datetime) -> None:
    # a Slack account registered by id only, and Lauri's console account
    _person(db, "slack", "U0123ABCD", None, None, now)
    _person(db, "console", "lauri", "Lauri Fobelli", "DE", now)
    result = CliRunner().invoke(cli, ["link", "slack:U0123ABCD", "console:lauri"],
                                env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "name Lauri Fobelli taken from console:lauri (in place of U0123ABCD)" \
        in result.output
    assert "country DE taken from console:lauri (none was recorded)" in result.output
    assert _behind(db, "slack", "U0123ABCD") == ("Lauri Fobelli", "DE")


def test_the_operator_link_keeps_a_real_name_unless_told(db: Database, database_url: str,
                                                         now: datetime) -> None:
    _person(db, "slack", "U0123ABCD", "Maria Rossi", "IT", now)
    _person(db, "console", "lauri", "Lauri Fobelli", "DE", now)
    _person(db, "teams", "aad-1", "Lauri F.", "DE", now)
    kept = CliRunner().invoke(cli, ["link", "slack:U0123ABCD", "console:lauri"],
                              env={"DATABASE_URL": database_url})
    assert "kept the name Maria Rossi; console:lauri had Lauri Fobelli" in kept.output
    assert "--use-second-details" in kept.output
    assert _behind(db, "console", "lauri") == ("Maria Rossi", "IT")
    taken = CliRunner().invoke(cli, ["link", "slack:U0123ABCD", "teams:aad-1",
                                     "--use-second-details"],
                               env={"DATABASE_URL": database_url})
    assert taken.exit_code == 0, taken.output
    assert "name Lauri F. taken from teams:aad-1 (in place of Maria Rossi)" in taken.output
    assert _behind(db, "slack", "U0123ABCD") == ("Lauri F.", "DE")
