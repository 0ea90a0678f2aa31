"""Letters without e-mail set up: the applicant's language, letters shown whole before and
after the announcement, templates per language, and what `letter REF send` refuses."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.console.render import render_card
from bot.slack.render import card_blocks
from bot.teams.render import render as teams_render
from handlers.cases.importing import ImportRejected, import_applications
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import ApplicantNotification, Application, Letter
from tests.conftest import Chat
from tests.evaluation_helpers import GOOD, add_application, add_cutoff, audits

DAY = "2026-11-25"
NEW = 'new region:EL51 topic:edp org:"Agency of the East" contact:"Maria P" email:m@example.eu'
HEADER = ("region_code,applicant_organisation,contact_name,contact_email,topic,challenges,"
          "needs,submitted_at")


def language_of(db: Database, ref: str) -> str:
    with db.read() as session:
        app = session.scalar(select(Application).where(Application.ref == ref))
        assert app is not None
        return app.language


def decided(chat: dict[str, Chat], db: Database, **extra: str) -> str:
    add_cutoff(db)
    ref = add_application(db, **extra)
    sec = chat["sec"]
    sec(f"eligible {ref} category:transition")
    sec(f"cutoff close {DAY}")
    sec(f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {GOOD}")
    chat["ed"](f"score {ref} {GOOD}")
    assert sec(f"decide {ref} approve a strong case").reply.tone == "success"
    return ref


def test_the_language_is_checked_at_intake_set_and_import(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    refused = chat["sec"](f"{NEW} language:klingon").reply
    assert refused.tone == "error" and "language: `klingon` is not a language" in refused.text[0]
    ref = chat["sec"](f"{NEW} language:Greek").reply.title.removeprefix("Registered ")
    assert language_of(db, ref) == "el"
    assert chat["sec"](f"set {ref} language fr").reply.tone == "success"
    assert language_of(db, ref) == "fr"
    assert chat["sec"](f"set {ref} language xx").reply.tone == "error"
    plain = chat["sec"](NEW).reply.title.removeprefix("Registered ")
    assert language_of(db, plain) == "en"
    rows = ["EL51,Agency,Maria,m@example.eu,edp,,Need,2026-03-05,de",
            "PT11,Norte,Rui,r@example.eu,edp,,Need,2026-03-06,"]
    with pytest.raises(ImportRejected) as rejected, db.transaction() as session:
        import_applications(session, "\n".join([HEADER + ",language", rows[0] + "x"]),
                            now=now, config=config)
    assert rejected.value.problems[0].startswith("line 2: language: `dex` is not a language")
    with db.transaction() as session:
        imported = import_applications(session, "\n".join([HEADER + ",language", *rows]),
                                       now=now, config=config).refs
    assert [language_of(db, r) for r in imported] == ["de", "en"]


def test_a_letter_is_shown_whole_before_and_after_the_announcement(
        chat: dict[str, Chat], db: Database) -> None:
    sec = chat["sec"]
    registered = sec(f"{NEW} language:de")
    assert registered.notices == ()
    assert any("drafted, not e-mailed (e-mail is not set up)" in line
               for line in registered.reply.context)
    ack_ref = registered.reply.title.removeprefix("Registered ")
    shown = chat["obs"](f"letter {ack_ref}").reply
    facts = {f.label: f.value for f in shown.facts}
    assert (facts["Language"], facts["State"]) == ("German", "letter drafted")
    assert shown.text[0] == "Sehr geehrte Damen und Herren,"
    assert "am 26. November 2026" in shown.text[1]
    refused = chat["obs"](f"letter {ack_ref} send").reply
    assert refused.tone == "error" and "secretariat" in refused.text[0]
    refused = sec(f"letter {ack_ref} ack send").reply
    assert refused.tone == "error" and "e-mail is not set up" in refused.text[0]

    ref = decided(chat, db)
    preview = sec(f"letter {ref}").reply
    assert "a preview" in preview.title and preview.tone == "warning"
    assert sec(f"letter {ref} ack").reply.tone == "error"
    sec(f"announce cutoff:{DAY}")
    letter = sec(f"letter {ref}").reply
    assert letter.title == f"{ref}: letter (approve)"
    with db.read() as session:
        stored = session.scalar(select(Letter).where(Letter.kind == "decision"))
        told = session.scalar(select(ApplicantNotification))
    assert stored is not None and told is not None
    assert "\n\n".join(letter.text) == stored.body == told.body
    # every platform shows its line breaks: the console as lines, Teams as blocks
    console = render_card(letter)
    assert "\\x0a" not in console
    assert "With kind regards,\nThe S3 Community of Practice Secretariat" in console
    runs = [i["text"] for block in teams_render(letter)["body"]
            if block["type"] == "RichTextBlock" for i in block["inlines"]]
    assert "With kind regards," in runs and "The S3 Community of Practice Secretariat" in runs
    assert not any("\n" in run for run in runs)
    sections = [b["text"]["text"] for b in card_blocks(letter)
                if b["type"] == "section" and "text" in b]
    assert "With kind regards,\nThe S3 Community of Practice Secretariat" in sections


def test_templates_per_language_with_english_where_there_is_none(
        chat: dict[str, Chat], db: Database) -> None:
    sec = chat["sec"]
    italian = sec("template approve language:it").reply
    assert "English" in italian.title and "No Italian template" in italian.context[0]
    greek = sec('template set approve language:el subject:"Εγκρίθηκε: {{ ref }}" '
                'body:"Αγαπητέ/ή {{ contact_name }},\\nστις {{ decided_on }}."').reply
    assert greek.tone == "success"
    assert "changed" in sec("template approve language:el").reply.title
    ref = decided(chat, db, language="el")
    sec(f"announce cutoff:{DAY}")
    with db.read() as session:
        letter = session.scalar(select(Letter))
    assert letter is not None and letter.language == "el"
    assert letter.subject == f"Εγκρίθηκε: {ref}"
    assert letter.body == "Αγαπητέ/ή Ana Contact,\nστις 26 Νοεμβρίου 2026."
    assert sec("template reset approve language:el").reply.tone == "success"
    assert [a.entity_id for a in audits(db, "template")] == ["approve:el", "approve:el"]
