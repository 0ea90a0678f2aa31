"""Who a person is in the store: the rows that hold their data, and every name and address
they ever had.

A person is named by an email address. The rows holding it now are found by that address;
the audit trail keeps the values held before (a case's contact renamed with `set REF
contact`, given a new address with `set REF email`, an expert or a person renamed), so an
address found there leads to more rows, and their names and addresses to more, until
nothing new turns up.

A case's contact counts as one person over the case's life: every name and address its
contact ever had goes with any of them (a rename keeps the address, a new address keeps the
name; the store cannot tell a successor from the same person renamed, and erasing too much
of one case is the safe side).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Application, AuditEntry, Expert, Person

# The audit keys that hold a name or an address, per audited entity.
NAME_KEY = {"application": "contact", "expert": "name", "person": "name"}
EMAIL_KEY = "email"
# What audit rows said instead of a contact value before the values were kept.
NOT_A_VALUE = frozenset({"given"})


@dataclass
class Known:
    """Names and addresses (lower-case) someone went by."""

    addresses: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @property
    def values(self) -> set[str]:
        """Every name and address, as they are looked for in free text."""
        return self.names | self.addresses

    def take(self, name: object, email: object) -> None:
        if isinstance(name, str) and name.strip() and name not in NOT_A_VALUE:
            self.names.add(name.strip())
        if isinstance(email, str) and "@" in email:
            self.addresses.add(email.strip().lower())

    def take_all(self, other: Known) -> None:
        self.addresses |= other.addresses
        self.names |= other.names


@dataclass
class Subject(Known):
    """One person: the rows that hold their data, and everything they went by."""

    applications: dict[int, Application] = field(default_factory=dict)
    experts: dict[int, Expert] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)


def find_subject(session: Session, email: str) -> Subject:
    """Everything that holds the person with this address, found through every address
    and earlier address that leads to them."""
    subject = Subject({email.strip().lower()})
    searched: set[str] = set()
    while fresh := subject.addresses - searched:
        searched |= fresh
        _add_applications(session, subject, fresh)
        _add_experts(session, subject, fresh)
        _add_people(session, subject, fresh)
    return subject


def earlier_contacts(session: Session, apps: Iterable[Application]) -> dict[int, Known]:
    """The contact names and addresses each case's audit rows hold (earlier and current)."""
    by_key = {key: app.id for app in apps for key in (app.ref, str(app.id))}
    found = {app_id: Known() for app_id in by_key.values()}
    for row in _history(session, "application", by_key):
        for side in (row.before, row.after):
            found[by_key[row.entity_id]].take(_get(side, NAME_KEY["application"]),
                                              _get(side, EMAIL_KEY))
    return found


def _get(side: dict[str, Any] | None, key: str) -> object:
    return side.get(key) if isinstance(side, dict) else None


def _history(session: Session, entity: str, ids: Iterable[str]) -> list[AuditEntry]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.entity == entity, AuditEntry.entity_id.in_(wanted)).order_by(AuditEntry.id)))


def _ids_that_held(session: Session, entity: str, addresses: set[str]) -> set[str]:
    """Ids of the entities whose audit rows hold one of the addresses as their email."""
    mentions: list[ColumnElement[bool]] = []
    for address in addresses:
        escaped = address.replace("!", "!!").replace("%", "!%").replace("_", "!_")
        mentions += [func.lower(cast(side, Text)).like(f"%{escaped}%", escape="!")
                     for side in (AuditEntry.before, AuditEntry.after)]
    rows = session.execute(select(AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
                           .where(AuditEntry.entity == entity, or_(*mentions)))
    return {entity_id for entity_id, before, after in rows
            if any(str(_get(side, EMAIL_KEY)).lower() in addresses for side in (before, after))}


def _take_history(subject: Subject, rows: list[AuditEntry], entity: str,
                  not_names: Collection[str] = ()) -> None:
    for row in rows:
        for side in (row.before, row.after):
            name = _get(side, NAME_KEY[entity])
            subject.take(None if name in not_names else name, _get(side, EMAIL_KEY))


def _add_applications(session: Session, subject: Subject, fresh: set[str]) -> None:
    held = _ids_that_held(session, "application", fresh)
    found = session.scalars(select(Application).where(or_(
        func.lower(Application.contact_email).in_(fresh), Application.ref.in_(held))))
    new = [app for app in found if app.id not in subject.applications]
    for app in new:
        subject.applications[app.id] = app
        subject.take(app.contact_name, app.contact_email)
    for known in earlier_contacts(session, new).values():
        subject.take_all(known)


def _add_experts(session: Session, subject: Subject, fresh: set[str]) -> None:
    held = [int(i) for i in _ids_that_held(session, "expert", fresh) if i.isdigit()]
    found = session.scalars(select(Expert).where(or_(
        func.lower(Expert.email).in_(fresh), Expert.id.in_(held))))
    new = [expert for expert in found if expert.id not in subject.experts]
    for expert in new:
        subject.experts[expert.id] = expert
        subject.take(expert.name, expert.email)
    _take_history(subject, _history(session, "expert", (str(e.id) for e in new)), "expert")


def _add_people(session: Session, subject: Subject, fresh: set[str]) -> None:
    held = [int(i) for i in _ids_that_held(session, "person", fresh) if i.isdigit()]
    linked = [e.person_id for e in subject.experts.values() if e.person_id is not None]
    found = session.scalars(select(Person).where(or_(
        func.lower(Person.email).in_(fresh), Person.id.in_(held + linked))))
    new = [person for person in found if person.id not in subject.people]
    for person in new:
        subject.people[person.id] = person
        # a chat id stands in for the name until the platform tells it: a pseudonym, kept
        ids = {i.platform_user_id for i in person.identities if i.platform != "console"}
        subject.take(None if person.name in ids else person.name, person.email)
        _take_history(subject, _history(session, "person", [str(person.id)]), "person", ids)
