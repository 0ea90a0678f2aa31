"""Erasing one person's contact data, and the retention purge of closed cases.

The owning rows are cleared or pseudonymised first (an application's contact, an expert's
or a person's name and email); then every other mention is scrubbed (`handlers.privacy.scrub`).
The audit log keeps its rows with person ids only: who did what stays provable, not who
the applicant was. A person is identified by email: a namesake with another email is kept.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, null, or_, select, update
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.privacy.scrub import scrub_everywhere, scrub_linked
from storage.models import Application, Assignment, AuditEntry, Expert, Person, ProcessedEvent
from storage.text import fold

CLOSED_STATUSES = ("rejected", "ineligible", "completed", "withdrawn")
PURGE_BATCH = 1_000
PURGE_LIMIT = 2_000


def clean_search_text(search_text: str, needles: set[str]) -> str:
    """The folded search text without the folded name and email."""
    padded = f" {search_text} "
    for needle in sorted({fold(n) for n in needles if n}, key=len, reverse=True):
        if needle:
            padded = padded.replace(f" {needle} ", " ")
    return " ".join(padded.split())


def _clear_contacts(session: Session, apps: list[Application], now: datetime) -> set[str]:
    """Remove the contact from each application (and its assignment); returns what was removed."""
    removed: set[str] = set()
    for app in apps:
        mine = {v for v in (app.contact_name, app.contact_email) if v}
        removed |= mine
        app.search_text = clean_search_text(app.search_text or "", mine)
        app.contact_name = None
        app.contact_email = None
        app.contact_erased_at = now
        if mine:
            session.execute(
                update(Assignment)
                .where(Assignment.application_id == app.id, Assignment.region_contact.in_(mine))
                .values(region_contact=None))
    return removed


def erase_person(session: Session, email: str, now: datetime) -> Counter[str]:
    """Erase everything that names the person with this email; returns counts of what changed."""
    address = email.strip().lower()
    counts: Counter[str] = Counter()
    apps = list(session.scalars(
        select(Application).where(func.lower(Application.contact_email) == address)))
    needles = _clear_contacts(session, apps, now) | {address}
    counts["applications"] = len(apps)
    experts = list(session.scalars(select(Expert).where(func.lower(Expert.email) == address)))
    person_ids = {e.person_id for e in experts if e.person_id is not None}
    for expert in experts:
        needles.add(expert.name)
        expert.name = f"Erased expert {expert.id}"
        expert.email = None
        expert.status = "paused"  # no contact left: never proposed again
    counts["experts"] = len(experts)
    people = list(session.scalars(select(Person).where(
        or_(func.lower(Person.email) == address, Person.id.in_(person_ids)))))
    for person in people:
        needles |= {person.name} | ({person.email} if person.email else set())
        for identity in person.identities:
            if identity.display_name:
                needles.add(identity.display_name)
            identity.display_name = None
            if identity.platform == "console":
                # a console identity is the person's typed name; it becomes the pseudonym
                needles.add(identity.platform_user_id)
                identity.platform_user_id = f"erased-{person.id}"
        person.name = f"Erased person {person.id}"
        person.email = None
    counts["people"] = len(people)
    _add_scrubbed(counts, scrub_everywhere(session, needles, now))
    return counts


def _add_scrubbed(counts: Counter[str], scrubbed: dict[str, int]) -> None:
    for key, n in scrubbed.items():
        counts[key if key == "messages_edited" else f"scrubbed:{key}"] += n


def purge_contact_data(
    session: Session, now: datetime, config: ProgrammeConfig, *, actor_id: int | None = None,
    source: str = "scheduler", limit: int = PURGE_LIMIT,
) -> Counter[str]:
    """Erase the contact data of closed cases unchanged for `retention_days`.

    At most `limit` cases a call, so one run stays short; `remaining` says how many wait for
    the next. Replies kept for replaying old requests lose their content after the same period.
    """
    horizon = now - timedelta(days=config.retention_days)
    due = (Application.status.in_(CLOSED_STATUSES), Application.updated_at < horizon,
           Application.contact_erased_at.is_(None))
    counts: Counter[str] = Counter()
    while counts["applications"] < limit:
        apps = list(session.scalars(select(Application).where(*due).order_by(Application.id)
                                    .limit(min(PURGE_BATCH, limit - counts["applications"]))))
        if not apps:
            break
        removed = _clear_contacts(session, apps, now)
        session.flush()
        counts["applications"] += len(apps)
        kept = _still_in_use(session, removed, [a.id for a in apps])
        _add_scrubbed(counts, scrub_linked(session, {a.id: a.ref for a in apps},
                                           removed - kept, now))
    counts["remaining"] = session.scalar(select(func.count()).select_from(Application)
                                         .where(*due)) or 0
    cleared = session.execute(
        update(ProcessedEvent)
        .where(ProcessedEvent.processed_at < horizon, ProcessedEvent.reply.is_not(None))
        .values(reply=null()).returning(ProcessedEvent.key)).all()
    counts["scrubbed:processed_events"] += len(cleared)
    if counts["applications"]:
        session.add(AuditEntry(at=now, actor_id=actor_id, entity="privacy", entity_id="purge",
                               action="purge", before=None, after=dict(counts), source=source))
    return counts


def _still_in_use(session: Session, needles: set[str], purged: list[int]) -> set[str]:
    """Names and emails an open case, an expert or a person still holds: kept elsewhere."""
    lowered = {n.lower() for n in needles}
    held: set[str] = set()
    for column in (Application.contact_email, Application.contact_name):
        held |= set(session.scalars(select(func.lower(column)).where(
            func.lower(column).in_(lowered), Application.id.not_in(purged))))
    for column in (Expert.email, Expert.name, Person.email, Person.name):
        held |= set(session.scalars(select(func.lower(column)).where(
            func.lower(column).in_(lowered))))
    return {n for n in needles if n.lower() in held}

