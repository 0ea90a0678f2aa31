"""Personal data: export for one person, erasure everywhere, the retention purge."""

from __future__ import annotations

import datetime as dt
import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import (
    ApplicantNotification,
    Application,
    Assignment,
    AuditEntry,
    Base,
    Expert,
    Identity,
    Note,
    OutboxMessage,
    Person,
    ProcessedEvent,
)
from tests.conftest import Chat, make_person
from tests.delivery_helpers import make_application, make_cutoff, make_expert

EMAIL = "maria.papadopoulou@example.gr"
GREEK = "Μαρία Παπαδοπούλου"
LATIN = "Maria Papadopoulou"
DISPLAY = "Maria P."


def scan(db: Database, *needles: str) -> list[str]:
    """Every table.column whose stored text or JSON mentions a needle, any case."""
    found = []
    lowered = [n.lower() for n in needles]
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    text = json.dumps(value, ensure_ascii=False, default=str).lower()
                    found += [f"{table.name}.{column}" for n in lowered if n in text]
    return found


def _outbox(session: Any, key: str, card_text: str, status: str, now: datetime) -> None:
    session.add(OutboxMessage(
        dedupe_key=key, kind="notice", platform="slack", target="CANN", thread_key="case:x",
        card={"title": "New application", "text": [card_text]}, due_at=now, status=status,
        message_id="1700000000.0001" if status == "sent" else None))


@pytest.fixture
def maria(db: Database, now: datetime, people: dict[str, int]) -> dict[str, Any]:
    """Maria: applicant contact twice, expert, and a person with a Slack identity."""
    person_id = make_person(db, "UMARIA", "evaluator", platform="slack")
    with db.transaction() as session:
        person = session.get(Person, person_id)
        assert person is not None
        person.name, person.email = LATIN, EMAIL
        person.identities[0].display_name = DISPLAY
        cutoff = make_cutoff(session, dt.date(2026, 9, 30))
        first = make_application(session, cutoff, contact_name=GREEK, contact_email=EMAIL,
                                 status="in_delivery",
                                 needs=f"Ask {GREEK} about the workshops")
        second = make_application(session, cutoff, region="BG31", contact_name=GREEK,
                                  contact_email=EMAIL.upper(), status="rejected")
        other = make_application(session, cutoff, region="RO21", contact_name="Ion Popescu",
                                 contact_email="ion@example.ro")
        session.add(Assignment(application_id=first.id, region_contact=GREEK, days_planned=5))
        make_expert(session, LATIN, email=EMAIL, person_id=person_id)
        session.add(Note(application_id=first.id, author_id=person_id,
                         text=f"Phoned {GREEK}; write to {EMAIL}"))
        session.add(ApplicantNotification(application_id=second.id, outcome="reject",
                                          subject="Your application", body=f"Dear {GREEK},"))
        session.add(AuditEntry(at=now, actor_id=people["sec"], entity="application",
                               entity_id=first.ref, action="create",
                               after={"contact_name": GREEK, "contact_email": EMAIL}))
        session.add(AuditEntry(at=now, actor_id=person_id, entity="score", entity_id="1",
                               action="score", after={"by": LATIN}))
        session.add(ProcessedEvent(key="slack:T0", processed_at=now,
                                   reply={"title": f"Registered, contact {EMAIL}"}))
        _outbox(session, "posted", f"Contact: {GREEK} <{EMAIL}>", "sent", now)
        _outbox(session, "waiting", f"Contact: {GREEK}", "pending", now)
        _outbox(session, "unrelated", "Contact: Ion Popescu", "sent", now)
        return {"person": person_id, "refs": (first.ref, second.ref), "other": other.ref}


def test_export_holds_everything_about_the_person(chat: dict[str, Chat], maria: dict[str, Any]
                                                  ) -> None:
    card = chat["sec"](f"person export {EMAIL.upper()}").reply
    data = json.loads("\n".join(card.text))
    assert all(len(chunk) <= 2_800 for chunk in card.text)
    assert sorted(a["ref"] for a in data["applications"]) == sorted(maria["refs"])
    assert data["applications"][0]["contact_name"] == GREEK
    assert [e["name"] for e in data["experts"]] == [LATIN]
    [person] = data["people"]
    assert person["roles"] == ["evaluator"]
    assert person["identities"][0]["user_id"] == "UMARIA"
    assert data["notes_written"][0]["text"].startswith("Phoned")
    # what she did, and what was done to her case (newest first)
    assert [a["action"] for a in data["audit"]] == ["score", "create"]
    assert [(x["ref"], x["body"]) for x in data["letters"]] == [(maria["refs"][1],
                                                                 f"Dear {GREEK},")]
    assert chat["obs"](f"person export {EMAIL}").reply.tone == "error"
    assert chat["sec"]("person export not-an-email").reply.tone == "error"


def test_erasure_leaves_no_trace_but_pseudonymous_audit(
    chat: dict[str, Chat], db: Database, maria: dict[str, Any]
) -> None:
    assert scan(db, EMAIL, GREEK, LATIN, DISPLAY)  # the scan does see the data before
    with db.read() as session:
        audit_before = session.scalar(select(func.count()).select_from(AuditEntry))
    outcome = chat["sec"](f"person erase {EMAIL}", source_id="erase-1")
    facts = {f.label: f.value for f in outcome.reply.facts}
    assert facts["Applications"] == "2" and facts["Expert records"] == "1"
    assert facts["People"] == "1" and facts["Posted messages to edit"] == "1"
    assert scan(db, EMAIL, GREEK, LATIN, DISPLAY) == []
    with db.read() as session:
        first = session.scalar(select(Application).where(Application.ref == maria["refs"][0]))
        assert first is not None and first.contact_erased_at is not None
        assert first.contact_email is None and first.needs == "Ask [erased] about the workshops"
        other = session.scalar(select(Application).where(Application.ref == maria["other"]))
        assert other is not None and other.contact_email == "ion@example.ro"
        expert = session.scalar(select(Expert))
        assert expert is not None and expert.status == "paused" and expert.email is None
        assert session.scalar(select(Identity.platform_user_id).where(
            Identity.person_id == maria["person"])) == "UMARIA"
        audit = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        assert len(audit) == audit_before + 1
        scored = next(a for a in audit if a.action == "score")
        assert scored.actor_id == maria["person"] and scored.after == {"by": "[erased]"}
        edits = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.edit_of.is_not(None))))
        assert [(e.edit_of, e.status, e.platform, e.target) for e in edits] == [
            ("posted", "pending", "slack", "CANN")]
        assert edits[0].card["text"] == ["Contact: [erased] <[erased]>"]
        waiting = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == "waiting"))
        assert waiting is not None and waiting.card["text"] == ["Contact: [erased]"]
        unrelated = session.scalar(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == "unrelated"))
        assert unrelated is not None and unrelated.card["text"] == ["Contact: Ion Popescu"]
    replay = chat["sec"](f"person erase {EMAIL}", source_id="erase-1").reply
    assert replay.facts == outcome.reply.facts


def test_erasure_of_an_unknown_address_changes_nothing(chat: dict[str, Chat], db: Database
                                                        ) -> None:
    card = chat["sec"]("person erase nobody@example.org").reply
    assert card.title == "Nothing held under that address"


def test_purge_erases_old_closed_cases_only(
    chat: dict[str, Chat], db: Database, now: datetime
) -> None:
    old = now - timedelta(days=800)
    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2024, 6, 30))
        gone = make_application(session, cutoff, status="rejected", updated_at=old,
                                contact_name="Petra Old", contact_email="petra@example.bg")
        session.add(AuditEntry(at=old, actor_id=None, entity="application", entity_id=gone.ref,
                               action="create", after={"contact_email": "petra@example.bg"}))
        session.add(AuditEntry(at=old, actor_id=None, entity="milestone",
                               entity_id=f"{gone.ref}:kickoff", action="done",
                               after={"by": "Petra Old"}))
        session.add(OutboxMessage(
            dedupe_key="new-case", kind="notice", platform="teams", target="TCH",
            thread_key=f"case:{gone.ref}", card={"title": "New", "text": ["From Petra Old"]},
            due_at=old, status="sent", message_id="act-1"))
        session.add(ProcessedEvent(key="slack:old", processed_at=old,
                                   reply={"title": "Registered for petra@example.bg"}))
        recent = make_application(session, cutoff, status="completed",
                                  updated_at=now - timedelta(days=100))
        open_old = make_application(session, cutoff, status="in_delivery", updated_at=old,
                                    contact_name="Olga Open", contact_email="olga@example.ro")
        shared = make_application(session, cutoff, status="withdrawn", updated_at=old,
                                  contact_name="Olga Open", contact_email="olga@example.ro")
        refs = (gone.ref, recent.ref, open_old.ref, shared.ref)
    card = chat["sec"]("privacy purge").reply
    facts = {f.label: f.value for f in card.facts}
    assert (facts["Applications"], facts["Posted messages to edit"]) == ("2", "1")
    assert facts["Left for the next run"] == "0"
    with db.read() as session:
        rows = {a.ref: a for a in session.scalars(select(Application))}
    assert rows[refs[0]].contact_email is None and rows[refs[0]].contact_erased_at is not None
    assert rows[refs[1]].contact_email is not None  # closed, but within retention
    assert rows[refs[2]].contact_email == "olga@example.ro"  # still open
    assert rows[refs[3]].contact_name is None  # closed and old, though Olga is still a contact
    assert scan(db, "petra@example.bg", "Petra Old") == []
    with db.read() as session:
        edit = session.scalar(select(OutboxMessage).where(OutboxMessage.edit_of == "new-case"))
        assert edit is not None and edit.card["text"] == ["From [erased]"]
        assert session.get(ProcessedEvent, "slack:old").reply is None  # type: ignore[union-attr]
    assert chat["sec"]("privacy purge").reply.facts[0].value == "0"  # nothing left to do


def test_purge_takes_a_bounded_number_of_cases_a_run(
    db: Database, now: datetime, config: Any
) -> None:
    from handlers.privacy.erasure import purge_contact_data

    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2024, 3, 31))
        for i in range(3):
            make_application(session, cutoff, status="ineligible", contact_email=f"p{i}@x.eu",
                             contact_name=f"Person {i}", updated_at=now - timedelta(days=731))
    with db.transaction() as session:
        first = purge_contact_data(session, now, config, limit=2)
    with db.transaction() as session:
        second = purge_contact_data(session, now, config, limit=2)
    assert (first["applications"], first["remaining"]) == (2, 1)
    assert (second["applications"], second["remaining"]) == (1, 0)
    assert scan(db, "p0@x.eu", "p2@x.eu") == []
