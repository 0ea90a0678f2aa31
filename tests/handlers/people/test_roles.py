from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from handlers.core.desk import Desk
from storage.db import Database
from storage.models import AuditEntry, Identity, OutboxMessage, Person
from tests.conftest import Chat, make_person


def roles_of(db: Database, name: str) -> set[str]:
    with db.read() as session:
        person = session.scalar(select(Person).where(Person.name == name))
        assert person is not None
        return set(person.role_names)


def test_secretariat_grants_a_role_by_name(chat: dict[str, Chat], db: Database) -> None:
    reply = chat["sec"]("role @obs evaluator").reply
    assert reply.tone == "success", reply.text
    assert roles_of(db, "obs") == {"observer", "evaluator"}
    with db.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "role"))
    assert entry is not None
    assert entry.before == {"roles": ["observer"]}
    assert entry.after == {"roles": ["evaluator", "observer"]}
    # the new evaluator may now use evaluator commands
    assert chat["obs"]("help").reply.tone == "info"


def test_none_revokes_every_role(chat: dict[str, Chat], db: Database) -> None:
    assert chat["sec"]("role eva none").reply.tone == "success"
    assert roles_of(db, "eva") == set()
    assert "not registered" in chat["eva"]("list").reply.text[0]


def test_a_new_slack_mention_creates_the_person_and_tells_them(desk: Desk, db: Database,
                                                               now: datetime) -> None:
    make_person(db, "U0SEC1", "secretariat", platform="slack")
    reply = Chat(desk, "U0SEC1", now, platform="slack")("role <@U0NEW1|maria> observer").reply
    assert reply.tone == "success", reply.text
    with db.read() as session:
        identity = session.scalar(select(Identity).where(Identity.platform_user_id == "U0NEW1"))
        assert identity is not None and identity.platform == "slack"
        assert identity.person.name == "maria"
        assert identity.person.role_names == {"observer"}
        outbox = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "role"))
    assert outbox is not None and outbox.target == "user:U0NEW1"


def test_the_last_secretariat_member_cannot_leave(chat: dict[str, Chat], db: Database) -> None:
    reply = chat["sec"]("role sec none").reply
    assert reply.tone == "error" and "last secretariat" in reply.text[0]
    assert roles_of(db, "sec") == {"secretariat"}
    make_person(db, "sam", "secretariat")
    assert chat["sec"]("role sec none").reply.tone == "success"
    assert roles_of(db, "sec") == set()


def test_granting_a_role_twice_changes_nothing(chat: dict[str, Chat], db: Database) -> None:
    reply = chat["sec"]("role eva evaluator").reply
    assert "nothing to change" in reply.title
    with db.read() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "role")) is None


def test_bad_role_requests_are_refused(chat: dict[str, Chat], db: Database) -> None:
    assert "unknown role" in chat["sec"]("role eva admin").reply.text[0]
    assert "Nobody called" in chat["sec"]("role @nobody observer").reply.text[0]
    assert chat["sec"]("role eva").reply.tone == "error"
    assert chat["eva"]("role ed secretariat").reply.tone == "error"
    assert chat["obs"]("role obs secretariat").reply.tone == "error"
    assert roles_of(db, "obs") == {"observer"}
    assert roles_of(db, "ed") == {"evaluator"}


def test_a_new_teams_mention_creates_the_person(desk: Desk, db: Database, now: datetime) -> None:
    make_person(db, "aad-sec-1", "secretariat", platform="teams")
    newcomer = "3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f"
    reply = Chat(desk, "aad-sec-1", now, platform="teams")(f"role <@{newcomer}> evaluator").reply
    assert reply.tone == "success"
    with db.read() as session:
        identity = session.scalar(select(Identity).where(Identity.platform_user_id == newcomer))
        assert identity is not None and identity.platform == "teams"
        assert identity.person.role_names == {"evaluator"}


def test_a_mention_names_a_person_on_the_platform_it_came_from(desk: Desk, db: Database,
                                                               now: datetime) -> None:
    """The same id on two platforms is two people: a mention is read on the asker's platform."""
    make_person(db, "U0SEC1", "secretariat", platform="slack")
    make_person(db, "U0TWIN", "observer", platform="teams")
    reply = Chat(desk, "U0SEC1", now, platform="slack")("role <@U0TWIN> evaluator").reply
    assert reply.tone == "success", reply.text
    with db.read() as session:
        identities = {i.platform: i.person.role_names for i in session.scalars(
            select(Identity).where(Identity.platform_user_id == "U0TWIN"))}
    assert identities == {"teams": {"observer"}, "slack": {"evaluator"}}
