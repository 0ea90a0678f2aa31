"""Erasing one person's contact data, and the retention purge of closed cases.

The person is found with every name and address they ever had (`handlers.privacy.history`:
the current rows and the audit trail). The owning rows are cleared or pseudonymised first
(an application's contact, an expert's or a person's name and email); then every other
mention of any of those names and addresses is scrubbed (`handlers.privacy.scrub`), and the
search text of every case loses them. The audit log keeps its rows with person ids only:
who did what stays provable, not who the applicant was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, null, or_, select, update
from sqlalchemy.orm import Session, undefer

from handlers.core.config import ProgrammeConfig
from handlers.privacy.history import earlier_contacts, find_subject
from handlers.privacy.scrub import scrub_everywhere, scrub_linked
from storage.models import Application, Assignment, AuditEntry, Expert, Person, ProcessedEvent
from storage.text import fold

CLOSED_STATUSES = ("rejected", "ineligible", "completed", "withdrawn")
PURGE_BATCH = 1_000
PURGE_LIMIT = 2_000


def clean_search_text(search_text: str, needles: Iterable[str]) -> str:
    """The folded search text without the folded names and emails."""
    padded = f" {search_text} "
    for needle in sorted({fold(n) for n in needles if n}, key=len, reverse=True):
        if needle:
            padded = padded.replace(f" {needle} ", " ")
    return " ".join(padded.split())


def _clean_search_texts(session: Session, needles: set[str]) -> int:
    """Every case's search text without the needles (a need may name someone else's
    contact); how many changed."""
    folded = {fold(n) for n in needles} - {""}
    if not folded:
        return 0
    changed = 0
    for app in session.scalars(select(Application).options(undefer(Application.search_text))
                               .where(or_(*(Application.search_text.contains(f)
                                            for f in folded)))):
        cleaned = clean_search_text(app.search_text, folded)
        if cleaned != app.search_text:
            app.search_text = cleaned
            changed += 1
    return changed


def _clear_contacts(session: Session, apps: list[Application], now: datetime) -> set[str]:
    """Remove the contact from each application (and its assignment), with every earlier
    contact its audit rows name; returns what was removed."""
    removed: set[str] = set()
    earlier = earlier_contacts(session, apps)
    for app in apps:
        mine = {v for v in (app.contact_name, app.contact_email) if v} | earlier[app.id].values
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
    """Erase everything that names the person with this email, under any name or address
    they had; returns counts of what changed."""
    subject = find_subject(session, email)
    counts: Counter[str] = Counter()
    apps = list(subject.applications.values())
    needles = _clear_contacts(session, apps, now) | subject.values
    counts["applications"] = len(apps)
    for expert in subject.experts.values():
        expert.name = f"Erased expert {expert.id}"
        expert.email = None
        expert.status = "paused"  # no contact left: never proposed again
    counts["experts"] = len(subject.experts)
    for person in subject.people.values():
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
    counts["people"] = len(subject.people)
    # folded first: the scrub would leave `[erased]` where a search word was
    counts["scrubbed:applications"] += _clean_search_texts(session, needles)
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

