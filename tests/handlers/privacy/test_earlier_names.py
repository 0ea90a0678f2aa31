"""Erasure and export reach every name and address a person ever had, not just the
current ones: a renamed contact, a new address, a renamed expert or person."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from handlers.people.grants import grant_role
from storage.db import Database
from storage.models import ApplicantNotification, Application, OutboxMessage
from tests.conftest import Chat
from tests.privacy_helpers import dump_mentions

OLD_NAME = "Yrsa Quillfeather"
NEW_NAME = "Yrsa Quillfeather-Berg"
OLD_EMAIL = "yrsa.quillfeather@example.eu"
NEW_EMAIL = "yrsa.berg@example.eu"


def register(sec: Chat, name: str = OLD_NAME, email: str = OLD_EMAIL,
             source_id: str = "new-1") -> str:
    card = sec(f'new region:EL51 topic:edp org:"Development Agency of Thrace" '
               f'contact:"{name}" email:{email} '
               f'needs:"{name} coordinates the regional workshops"',
               source_id=source_id).reply
    assert card.tone == "success", card.text
    return card.title.split()[-1]


def post_and_draft(db: Database, ref: str, now: datetime, name: str) -> None:
    """A posted channel message and a drafted letter that name the contact."""
    with db.transaction() as session:
        app = session.scalar(select(Application).where(Application.ref == ref))
        assert app is not None
        session.add(OutboxMessage(
            dedupe_key=f"posted:{ref}", kind="notice", platform="slack", target="CEVAL",
            thread_key=f"case:{ref}", card={"title": ref, "text": [f"Contact: {name}"]},
            due_at=now, status="sent", message_id="1700000000.0001"))
        session.add(ApplicantNotification(application_id=app.id, outcome="approve",
                                          subject=f"Your application {ref}",
                                          body=f"Dear {name},\nyour application is approved."))


def test_erasure_after_a_rename_leaves_no_earlier_name(
        chat: dict[str, Chat], db: Database, now: datetime) -> None:
    sec = chat["sec"]
    ref = register(sec)
    assert sec(f"note {ref} Spoke to {OLD_NAME} about the annex",
               source_id="note-1").reply.tone == "success"
    post_and_draft(db, ref, now, OLD_NAME)
    assert sec(f'set {ref} contact "{NEW_NAME}"', source_id="set-1").reply.tone == "success"
    assert dump_mentions(db, OLD_NAME)  # the scan sees the earlier name before
    assert sec("list q:quillfeather").reply.table is not None

    reply = sec(f"person erase {OLD_EMAIL}", source_id="erase-1").reply
    assert reply.tone == "success"
    assert dump_mentions(db, OLD_NAME, NEW_NAME, OLD_EMAIL) == []
    assert sec("list q:quillfeather").reply.text[0].startswith("No applications")
    with db.read() as session:
        edits = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.edit_of == f"posted:{ref}")))
    assert [e.card["text"] for e in edits] == [["Contact: [erased]"]]


def test_erasure_follows_a_change_of_address_both_ways(
        chat: dict[str, Chat], db: Database, now: datetime) -> None:
    sec = chat["sec"]
    first, second = register(sec), register(sec, source_id="new-2")
    # the first case's contact changes name and address; the second keeps the old ones
    assert sec(f'set {first} contact "{NEW_NAME}"').reply.tone == "success"
    assert sec(f"set {first} email {NEW_EMAIL}").reply.tone == "success"
    post_and_draft(db, first, now, OLD_NAME)
    facts = {f.label: f.value for f in sec(f"person erase {NEW_EMAIL}").reply.facts}
    assert facts["Applications"] == "2"
    assert dump_mentions(db, OLD_NAME, NEW_NAME, OLD_EMAIL, NEW_EMAIL) == []
    with db.read() as session:
        erased = session.scalar(select(Application).where(Application.ref == second))
    assert erased is not None and erased.contact_erased_at is not None


def test_an_earlier_address_alone_finds_the_case(chat: dict[str, Chat], db: Database) -> None:
    sec = chat["sec"]
    ref = register(sec)
    assert sec(f"set {ref} email {NEW_EMAIL}").reply.tone == "success"
    facts = {f.label: f.value for f in sec(f"person erase {OLD_EMAIL}").reply.facts}
    assert facts["Applications"] == "1"
    assert dump_mentions(db, OLD_NAME, OLD_EMAIL, NEW_EMAIL) == []


def test_renamed_experts_and_people_lose_every_earlier_name(
        chat: dict[str, Chat], db: Database, now: datetime) -> None:
    sec = chat["sec"]
    with db.transaction() as session:
        grant_role(session, platform="slack", user_id="UYRSA", role="evaluator", now=now,
                   source="cli", name=OLD_NAME, email=OLD_EMAIL)
    with db.transaction() as session:
        grant_role(session, platform="slack", user_id="UYRSA", role="evaluator", now=now,
                   source="cli", name=NEW_NAME, email=NEW_EMAIL)
    added = sec(f'expert add name:"{OLD_NAME}" email:{OLD_EMAIL} country:EL languages:el,en '
                "topics:edp days:10").reply
    assert added.tone == "success", added.text
    assert sec(f'expert set {OLD_EMAIL} name "{NEW_NAME}"').reply.tone == "success"
    assert sec(f"expert set {OLD_EMAIL} email {NEW_EMAIL}").reply.tone == "success"
    facts = {f.label: f.value for f in sec(f"person erase {NEW_EMAIL}").reply.facts}
    assert (facts["Expert records"], facts["People"]) == ("1", "1")
    assert dump_mentions(db, OLD_NAME, NEW_NAME, OLD_EMAIL, NEW_EMAIL) == []


def export(sec: Chat, email: str) -> dict[str, Any]:
    card = sec(f"person export {email}").reply
    return dict(json.loads("\n".join(card.text)))


def test_export_holds_the_audit_rows_and_letters_about_the_person(
        chat: dict[str, Chat], db: Database, now: datetime) -> None:
    sec = chat["sec"]
    ref = register(sec)
    assert sec(f"note {ref} Spoke to {OLD_NAME}").reply.tone == "success"
    post_and_draft(db, ref, now, OLD_NAME)
    assert sec(f'set {ref} contact "{NEW_NAME}"').reply.tone == "success"
    data = export(sec, OLD_EMAIL)
    assert [a["ref"] for a in data["applications"]] == [ref]
    assert {"created", "note", "set"} <= {row["action"] for row in data["audit"]}
    renamed = next(row for row in data["audit"] if row["action"] == "set")
    assert (renamed["before"], renamed["after"]) == ({"contact": OLD_NAME},
                                                     {"contact": NEW_NAME})
    kinds = sorted(letter["kind"] for letter in data["letters"])
    assert kinds == ["acknowledgement", "decision"], kinds
    [letter] = [x for x in data["letters"] if x["kind"] == "decision"]
    assert letter["ref"] == ref and letter["body"].startswith(f"Dear {OLD_NAME},")
    assert data["notes"][0]["text"] == f"Spoke to {OLD_NAME}"
    assert set(data["known_as"]["names"]) == {OLD_NAME, NEW_NAME}
    assert data["known_as"]["addresses"] == [OLD_EMAIL]
    # after a change of address the earlier address still finds everything
    assert sec(f"set {ref} email {NEW_EMAIL}").reply.tone == "success"
    assert [a["ref"] for a in export(sec, OLD_EMAIL)["applications"]] == [ref]


@pytest.mark.parametrize("field", ["contact", "email"])
def test_the_case_history_says_contact_data_changed_but_not_to_what(
        chat: dict[str, Chat], field: str) -> None:
    sec = chat["sec"]
    ref = register(sec)
    value = f'"{NEW_NAME}"' if field == "contact" else NEW_EMAIL
    assert sec(f"set {ref} {field} {value}").reply.tone == "success"
    for who in ("sec", "obs"):
        text = "\n".join(chat[who](f"show {ref}").reply.text).split("History:")[1]
        assert f"{field} changed" in text
        assert "quillfeather" not in text.lower() and "berg" not in text.lower()


def test_the_retention_purge_also_removes_earlier_contacts(
        chat: dict[str, Chat], db: Database, now: datetime) -> None:
    sec = chat["sec"]
    ref = sec(f'new region:EL51 topic:edp org:"Agency" contact:"{OLD_NAME}" '
              f'email:{OLD_EMAIL} needs:"{OLD_NAME} leads"').reply.title.split()[-1]
    assert sec(f"note {ref} Wrote to {OLD_EMAIL}").reply.tone == "success"
    assert sec(f'set {ref} contact "{NEW_NAME}"').reply.tone == "success"
    assert sec(f"set {ref} email {NEW_EMAIL}").reply.tone == "success"
    with db.transaction() as session:
        app = session.scalar(select(Application).where(Application.ref == ref))
        assert app is not None
        app.status, app.updated_at = "withdrawn", now - timedelta(days=3_000)
    facts = {f.label: f.value for f in sec("privacy purge").reply.facts}
    assert facts["Applications"] == "1"
    assert dump_mentions(db, OLD_NAME, NEW_NAME, OLD_EMAIL, NEW_EMAIL) == []
