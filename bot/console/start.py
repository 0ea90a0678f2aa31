"""Before the console prompt: who you are, and demo data for an empty store.

A newcomer's first run has no people and no cases: the console offers the demo programme,
and without it creates one secretariat person so there is someone to act as.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from bot.console.session import PLATFORM
from bot.demo.programme import DemoSummary, is_empty, load_demo
from handlers.core.config import ProgrammeConfig
from handlers.people.grants import grant_role
from storage.db import Database
from storage.models import Identity, Person, PersonRole, Role

DEFAULT_PERSON = "secretariat"


class NoSuchPerson(LookupError):
    """`--as NAME` names nobody with a console identity; the message lists who there is."""


@dataclass(frozen=True)
class ConsoleIdentity:
    user_id: str
    name: str
    roles: tuple[str, ...]


def console_identities(db: Database) -> list[ConsoleIdentity]:
    with db.read() as session:
        rows = session.execute(
            select(Identity.platform_user_id, Person.name, Person.id)
            .join(Person, Person.id == Identity.person_id)
            .where(Identity.platform == PLATFORM)
            .order_by(Person.id)
        ).all()
        roles: dict[int, list[str]] = {}
        for person_id, role in session.execute(select(PersonRole.person_id, PersonRole.role)
                                               .order_by(PersonRole.role)):
            roles.setdefault(person_id, []).append(role)
    return [ConsoleIdentity(uid, name, tuple(roles.get(pid, []))) for uid, name, pid in rows]


def count_people(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def database_is_empty(db: Database) -> bool:
    with db.read() as session:
        return is_empty(session)


def offer_demo(
    db: Database,
    config: ProgrammeConfig,
    now: datetime,
    say: Callable[[str], None],
    ask: Callable[[str], str | None] | None,
    *,
    wanted: bool,
) -> DemoSummary | None:
    """On an empty store load the demo when asked by flag, or when the person says yes."""
    if not database_is_empty(db):
        if wanted:
            say("The database already holds a programme: the demo is not loaded.")
        return None
    if not wanted:
        if ask is None:
            return None
        answer = ask("The database is empty. Load a fictional demo programme to try things? [y/N] ")
        if (answer or "").strip().lower() not in ("y", "yes"):
            return None
    summary = load_demo(db, now, config)
    for line in summary.lines():
        say(line)
    return summary


def choose_identity(
    db: Database, wanted: str | None, now: datetime, say: Callable[[str], None]
) -> str:
    """The console user id to act as; raises NoSuchPerson with the choices when unknown."""
    people = console_identities(db)
    if wanted:
        for person in people:
            if wanted.lower() in (person.user_id.lower(), person.name.lower()):
                return person.user_id
        raise NoSuchPerson(_unknown(wanted, people))
    if not people and count_people(db) == 0:
        with db.transaction() as session:
            grant_role(session, platform=PLATFORM, user_id=DEFAULT_PERSON, role=Role.SECRETARIAT,
                       now=now, source="console", name="Secretariat")
        say(f"There was nobody yet: created `{DEFAULT_PERSON}`, a secretariat member, "
            "and you act as them.")
        return DEFAULT_PERSON
    if not people:
        raise NoSuchPerson(_unknown(None, people))
    chosen = next((p for p in people if Role.SECRETARIAT in p.roles), people[0])
    others = [p.user_id for p in people if p is not chosen]
    if others:
        say(f"Acting as {chosen.user_id}; `--as NAME` to be someone else: {', '.join(others)}.")
    return chosen.user_id


def _unknown(wanted: str | None, people: list[ConsoleIdentity]) -> str:
    lead = (f"Nobody called `{wanted}` has a console identity." if wanted
            else "Nobody has a console identity yet.")
    if people:
        listing = "\n".join(f"  {p.user_id:<16} {p.name} ({', '.join(p.roles) or 'no role'})"
                            for p in people)
        return f"{lead} Choose one with --as NAME:\n{listing}"
    return (f"{lead} Give one with: s3desk grant --platform console --user NAME "
            "--role secretariat")
