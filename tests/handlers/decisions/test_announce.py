"""Announcing decisions, drafting letters from templates, and tracking who was told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers.core.config import ProgrammeConfig
from handlers.decisions.announce import overdue_notifications
from storage.db import Database
from storage.models import ApplicantNotification, Decision, NotificationTemplate
from tests.conftest import Chat
from tests.evaluation_helpers import add_application, add_cutoff, audits

DAY = "2026-11-25"
EVA = "relevance=5 need=1 feasibility=2 impact=3"
ED = "relevance=5 need=5 feasibility=4 impact=4"


def _batch(chat: dict[str, Chat], db: Database) -> tuple[str, str, str]:
    """One approved, one still being scored, one ineligible."""
    add_cutoff(db)
    approved, scoring, out = add_application(db), add_application(db), add_application(db)
    chat["sec"](f"eligible {approved} category:transition")
    chat["sec"](f"eligible {scoring} category:transition")
    chat["sec"](f"ineligible {out} The organisation is not a public authority.")
    chat["sec"](f"cutoff close {DAY}")
    for ref in (approved, scoring):
        chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {approved} {EVA}")
    chat["ed"](f"score {approved} {ED}")
    chat["eva"](f"score {scoring} {EVA}")
    return approved, scoring, out


def test_announce_waits_for_every_final_decision(chat: dict[str, Chat], db: Database) -> None:
    approved, scoring, _ = _batch(chat, db)
    unscreened = add_application(db)
    refused = chat["sec"](f"announce cutoff:{DAY}").reply
    assert refused.tone == "error"
    assert f"{scoring} (being scored)" in refused.text[0]
    assert f"{approved} (waiting for a decision)" in refused.text[0]
    assert f"{unscreened} (not screened)" in refused.text[0]
    with db.read() as session:
        assert session.scalar(select(Decision.announced_at).where(
            Decision.outcome == "ineligible")) is None
        assert session.scalar(select(ApplicantNotification.id)) is None


def test_announce_posts_outcomes_without_scores_and_drafts_letters(
        chat: dict[str, Chat], db: Database) -> None:
    approved, scoring, out = _batch(chat, db)
    chat["ed"](f"score {scoring} {ED}")
    chat["sec"](f"decide {approved} approve strong case")
    chat["sec"](f"decide {scoring} reject need diverges; total 11.5")
    assert chat["eva"](f"announce cutoff:{DAY}").reply.tone == "error"
    outcome = chat["sec"](f"announce cutoff:{DAY}")
    assert outcome.reply.tone == "success" and outcome.visibility == "channel"
    public = outcome.notices[0]
    assert public.audience.kind == "places" and public.audience.purpose == "announcements"
    assert public.card.table is not None
    assert [(r[0], r[2]) for r in public.card.table.rows] == [
        (approved, "approved"), (scoring, "not selected"), (out, "not eligible")]
    assert "EL51" in public.card.table.rows[0][1]
    text = repr(public.card)
    assert "Need" not in text and "11.5" not in text and "strong case" not in text
    drafts = [n for n in outcome.notices if n.kind == "letter_draft"]
    assert len(drafts) == 3 and {n.audience.kind for n in drafts} == {"secretariat"}
    with db.read() as session:
        letters = {n.outcome: n for n in session.scalars(select(ApplicantNotification))}
        assert set(letters) == {"approve", "reject", "ineligible"}
        assert "is approved" in letters["approve"].subject
        assert "Dear Ana Contact" in letters["approve"].body
        assert "not a public authority" in letters["ineligible"].body
        assert all(d.announced_at is not None for d in session.scalars(select(Decision)))
    again = chat["sec"](f"announce cutoff:{DAY}").reply
    assert again.tone == "error" and "already announced" in again.text[0]
    assert len(audits(db, "notification", "draft")) == 3


def test_templates_can_be_overridden_and_are_checked(chat: dict[str, Chat],
                                                     db: Database) -> None:
    listed = chat["sec"]("template").reply
    assert listed.table is not None
    # five letters (four outcomes and the acknowledgement), built in for en, de and fr
    assert {(r[0], r[1]) for r in listed.table.rows} == {
        (name, lang) for name in ("approve", "reject", "reserve", "ineligible", "acknowledgement")
        for lang in ("en", "de", "fr")}
    shown = chat["sec"]("template approve").reply
    assert "built in" in shown.title and "{{ ref }}" in shown.facts[0].value
    broken = chat["sec"]('template set approve body:"Dear {{ contact }},"').reply
    assert broken.tone == "error" and "undefined" in broken.text[0]
    assert "contact_name" in broken.text[0]
    syntax = chat["sec"]('template set approve subject:"Hello {{ ref"').reply
    assert syntax.tone == "error" and "does not render" in syntax.text[0]
    assert chat["obs"]("template approve").reply.tone == "error"
    done = chat["sec"]('template set approve subject:"Good news about {{ ref }}" '
                       'body:"Dear {{ contact_name }},\\nYes for {{ organisation }}."').reply
    assert done.tone == "success"
    with db.read() as session:
        row = session.get(NotificationTemplate, ("approve", "en"))
        assert row is not None and row.body == "Dear {{ contact_name }},\nYes for " \
            "{{ organisation }}."
    add_cutoff(db)
    ref = add_application(db)
    chat["sec"](f"eligible {ref} category:transition")
    chat["sec"](f"cutoff close {DAY}")
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {ED}")
    chat["ed"](f"score {ref} {ED}")
    chat["sec"](f"decide {ref} approve good")
    chat["sec"](f"announce cutoff:{DAY}")
    with db.read() as session:
        letter = session.scalar(select(ApplicantNotification))
        assert letter is not None and letter.subject == f"Good news about {ref}"
        assert letter.body.startswith("Dear Ana Contact,\nYes for Regional Agency")
    assert chat["sec"]("template reset approve").reply.tone == "success"
    assert "built in" in chat["sec"]("template approve").reply.title
    assert [a.action for a in audits(db, "template")] == ["set", "reset"]


def test_notified_pending_and_overdue(chat: dict[str, Chat], db: Database,
                                      config: ProgrammeConfig) -> None:
    approved, scoring, out = _batch(chat, db)
    early = chat["sec"](f"notified {out} email").reply
    assert early.tone == "error" and "announced" in early.text[0]
    chat["ed"](f"score {scoring} {ED}")
    chat["sec"](f"decide {approved} approve good")
    pending = chat["obs"]("pending").reply
    assert pending.table is not None
    states = {row[0]: row[5] for row in pending.table.rows}
    assert states == {out: "to be announced", approved: "to be announced"}
    chat["sec"](f"decide {scoring} reserve capacity")
    chat["sec"](f"announce cutoff:{DAY}")
    assert chat["sec"](f"notified {approved} email of 27 Nov").reply.tone == "success"
    twice = chat["sec"](f"notified {approved} email").reply
    assert twice.tone == "error" and "already recorded" in twice.text[0]
    pending = chat["sec"]("pending").reply
    assert pending.table is not None
    assert {row[0]: row[5] for row in pending.table.rows} == {
        out: "letter drafted", scoring: "letter drafted"}
    with db.read() as session:
        sent = session.scalar(select(ApplicantNotification).where(
            ApplicantNotification.sent_at.is_not(None)))
        assert sent is not None and sent.sent_how == "email of 27 Nov"
        now = chat["sec"].now
        assert overdue_notifications(session, now + timedelta(days=10), config) == []
        late = overdue_notifications(session, now + timedelta(days=11), config)
    assert sorted(w.ref for w in late) == sorted([out, scoring])
    assert all(w.days == 11 and w.drafted for w in late)
    # a reserve case approved later needs a new letter, and shows as waiting again
    chat["sec"](f"notified {scoring} post")
    chat["sec"](f"decide {scoring} approve a place opened")
    pending = chat["sec"]("pending").reply
    assert pending.table is not None
    assert {row[0]: (row[2], row[5]) for row in pending.table.rows}[scoring] == (
        "approve", "to be announced")
    chat["sec"](f"announce cutoff:{DAY}")
    assert chat["sec"](f"notified {scoring} email").reply.tone == "success"
    chat["sec"](f"notified {out} email")
    assert "has been told" in chat["sec"]("pending").reply.title
