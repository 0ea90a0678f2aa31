"""`here`, `reminders`, `remind now` and `outbox`, as people type them."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import select

from handlers.core.desk import Desk, Inbound
from handlers.core.types import Outcome, Where
from storage.db import Database
from storage.models import AuditEntry, Place
from tests.conftest import Chat, make_person
from tests.reminder_helpers import (
    add_application,
    add_cutoff,
    add_place,
    add_row,
    assign,
    decide,
    link_slack,
    outbox,
    row,
)

D = dt.date
SLACK_CHANNEL = Where("slack", channel_id="C-REM", channel_name="s3-reminders")


def in_slack(desk: Desk, now: datetime, text: str, where: Where | None = SLACK_CHANNEL,
             user: str = "U-SEC") -> Outcome:
    return desk.handle(Inbound("slack", user, text, now, where=where))


def places(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as session:
        return [(p.platform, p.purpose, p.channel_id)
                for p in session.scalars(select(Place).order_by(Place.id))]


def audits(db: Database, entity: str) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(AuditEntry.action)
                                    .where(AuditEntry.entity == entity)
                                    .order_by(AuditEntry.id)))


# -- here ------------------------------------------------------------------------------

def test_here_registers_the_console_and_lists_places(chat: dict[str, Chat],
                                                     db: Database) -> None:
    reply = chat["sec"]("here reminders").reply
    assert reply.tone == "success" and reply.title == "console now receives reminders"
    assert places(db) == [("console", "reminders", "console")]
    again = chat["sec"]("here reminders").reply
    assert again.title == "console already receives reminders"
    assert len(places(db)) == 1
    listing = chat["sec"]("here").reply
    assert listing.table is not None
    assert listing.table.rows[0][:2] == ("reminders", "console")
    assert any("here announcements" in line for line in listing.context)
    assert audits(db, "place") == ["register"]


def test_here_in_a_slack_channel_keeps_its_name_and_reference(desk: Desk, db: Database,
                                                               now: datetime) -> None:
    make_person(db, "U-SEC", "secretariat", platform="slack")
    reply = in_slack(desk, now, "here announcements").reply
    assert reply.title == "#s3-reminders (slack) now receives announcements"
    teams = Where("teams", channel_id="19:abc@thread.tacv2", channel_name="Decisions",
                  conversation_ref={"serviceUrl": "https://smba.example/emea/"})
    in_slack(desk, now, "here announcements", where=teams)
    with db.read() as session:
        stored = session.scalar(select(Place).where(Place.platform == "teams"))
        assert stored is not None
        assert stored.conversation_ref == {"serviceUrl": "https://smba.example/emea/"}
        assert stored.registered_at == now
    assert places(db) == [("slack", "announcements", "C-REM"),
                          ("teams", "announcements", "19:abc@thread.tacv2")]


def test_here_remove_stops_it_and_cancels_waiting_reminders(chat: dict[str, Chat],
                                                            db: Database, now: datetime) -> None:
    chat["sec"]("here reminders")
    waiting = add_row(db, "cutoff:x:console:console", platform="console", target="console",
                      due=now + timedelta(days=1))
    reply = chat["sec"]("here remove reminders").reply
    assert reply.tone == "success" and "1 waiting message cancelled" in reply.text[0]
    assert places(db) == []
    assert row(db, waiting).status == "failed"
    missing = chat["sec"]("here remove reminders").reply
    assert missing.tone == "error" and "does not receive reminders" in missing.text[0]
    assert audits(db, "place") == ["register", "remove"]


def test_here_refuses_bad_input_and_other_roles(chat: dict[str, Chat], desk: Desk,
                                                db: Database, now: datetime) -> None:
    bad = chat["sec"]("here everything").reply
    assert bad.tone == "error" and "reminders, evaluation, announcements" in bad.text[0]
    assert bad.context == ("Usage: here [reminders|evaluation|announcements]",)
    assert chat["sec"]("here remove").reply.tone == "error"
    assert chat["sec"]("here reminders evaluation").reply.tone == "error"
    refused = chat["eva"]("here reminders").reply
    assert refused.tone == "error" and "secretariat" in refused.text[0]
    assert chat["stranger"]("here").reply.tone == "error"
    make_person(db, "U-SEC", "secretariat", platform="slack")
    nowhere = in_slack(desk, now, "here reminders", where=None).reply
    assert nowhere.tone == "error" and "which channel" in nowhere.text[0]
    assert places(db) == []


# -- reminders ---------------------------------------------------------------------------

def test_reminders_shows_what_will_be_sent_where_and_when(chat: dict[str, Chat],
                                                          db: Database, now: datetime) -> None:
    add_place(db, "C-REM", name="s3-reminders")
    add_cutoff(db, D(2026, 12, 31))
    add_row(db, "announce:x:slack:C-REM", target="C-REM", due=now + timedelta(hours=2),
            kind="announcement")
    reply = chat["sec"]("reminders days:40").reply
    assert reply.table is not None
    rows = reply.table.rows
    assert rows[0] == ("Thu 26 Nov 2026 12:00", "announcement", "#s3-reminders (slack)",
                       "pending")
    planned = [r for r in rows if r[3] == "planned"]
    assert ("Thu 17 Dec 2026 09:00", "cut-off 2026-12-31 in 14 days",
            "#s3-reminders (slack)", "planned") in planned
    assert [r[1] for r in planned if "cut-off" in r[1]] == [
        "cut-off 2026-12-31 in 14 days", "cut-off 2026-12-31 in 7 days",
        "cut-off 2026-12-31 in 1 day", "cut-off 2026-12-31 closed: counts"]
    assert any(r[1].startswith("weekly digest") for r in planned)
    short = chat["sec"]("reminders days:5").reply
    assert short.table is not None and all("cut-off" not in r[1] for r in short.table.rows)


def test_reminders_says_when_no_channel_receives_them(chat: dict[str, Chat]) -> None:
    reply = chat["sec"]("reminders").reply
    assert any("here reminders" in line for line in reply.context)


def test_reminders_refusals(chat: dict[str, Chat]) -> None:
    assert chat["sec"]("reminders days:0").reply.tone == "error"
    assert chat["sec"]("reminders days:soon").reply.tone == "error"
    assert chat["sec"]("reminders everything").reply.tone == "error"
    assert chat["obs"]("reminders").reply.tone == "error"


# -- remind now --------------------------------------------------------------------------

def test_remind_now_about_a_cutoff_posts_at_once_each_time(chat: dict[str, Chat],
                                                           db: Database, now: datetime) -> None:
    add_place(db, "C-REM", name="s3-reminders")
    add_cutoff(db, D(2026, 12, 31))
    first = chat["sec"]("remind now cutoff:2026-12-31")
    assert first.reply.tone == "success" and "#s3-reminders (slack)" in first.reply.text[0]
    assert first.notices[0].card.title == "Cut-off in 35 days: Thursday 31 December 2026"
    chat["sec"]("remind now cutoff:2026-12-31")
    rows = outbox(db)
    assert len(rows) == 2 and len({r.dedupe_key for r in rows}) == 2
    assert all(r.due_at == now and r.target == "C-REM" for r in rows)
    assert audits(db, "outbox") == ["remind_now", "remind_now"]


def test_remind_now_about_a_case_nudges_its_waiting_evaluators(
    chat: dict[str, Chat], db: Database, people: dict[str, int]
) -> None:
    link_slack(db, people["eva"], "U-EVA")
    link_slack(db, people["ed"], "U-ED")
    cutoff = add_cutoff(db, D(2026, 9, 30), closed=True)
    ref = add_application(db, cutoff, status="in_evaluation")
    assign(db, ref, people["eva"])
    assign(db, ref, people["ed"], scored=True)
    reply = chat["sec"](f"remind now {ref}").reply
    assert reply.tone == "success" and "eva" in reply.text[0]
    assert [r.target for r in outbox(db)] == ["user:U-EVA"]
    assign_all = add_application(db, cutoff, status="in_evaluation")
    assign(db, assign_all, people["eva"], scored=True)
    assert "has scored" in chat["sec"](f"remind now {assign_all}").reply.text[0]


def test_remind_now_about_an_applicant_not_informed(chat: dict[str, Chat], db: Database,
                                                    now: datetime) -> None:
    make_person(db, "U-SEC2", "secretariat", platform="slack")
    cutoff = add_cutoff(db, D(2026, 9, 30), closed=True)
    ref = add_application(db, cutoff, status="approved")
    decide(db, ref, now - timedelta(days=3))
    reply = chat["sec"](f"remind now {ref}").reply
    assert reply.tone == "success"
    assert [r.target for r in outbox(db)] == ["user:U-SEC2"]


def test_remind_now_refusals(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db, D(2026, 12, 31))
    add_cutoff(db, D(2026, 9, 30), closed=True)
    nobody = chat["sec"]("remind now cutoff:2026-12-31").reply
    assert nobody.tone == "error" and "here reminders" in nobody.text[0]
    add_place(db, "C-REM")
    cases = {
        "remind now": "say what to remind about",
        "remind now cutoff:31/12/2026": "is not a date",
        "remind now cutoff:2027-06-30": "No cut-off on 2027-06-30",
        "remind now cutoff:2026-09-30": "already closed",
        "remind now TA-2026-9999": "No application",
        "remind now cutoff:2026-12-31 TA-2026-0001": "not both",
    }
    for text, expected in cases.items():
        reply = chat["sec"](text).reply
        assert reply.tone == "error" and expected in reply.text[0], (text, reply)
    received = add_application(db, _cutoff_id(db, D(2026, 12, 31)))
    assert "nothing is waiting" in chat["sec"](f"remind now {received}").reply.text[0]
    assert chat["eva"]("remind now cutoff:2026-12-31").reply.tone == "error"
    assert outbox(db) == []


def _cutoff_id(db: Database, day: dt.date) -> int:
    from storage.models import Cutoff

    with db.read() as session:
        return int(session.scalar(select(Cutoff.id).where(Cutoff.date == day)))


# -- outbox ------------------------------------------------------------------------------

def test_outbox_lists_failed_and_missed_and_retries_one(chat: dict[str, Chat], db: Database,
                                                        now: datetime) -> None:
    assert chat["sec"]("outbox").reply.title == "Outbox: nothing failed or missed"
    add_place(db, "C-REM", name="s3-reminders")
    failed = add_row(db, "a:slack:C-REM", target="C-REM", due=now - timedelta(hours=1),
                     status="failed", error="channel_not_found", attempts=3)
    add_row(db, "b:slack:C-REM", target="C-REM", due=now - timedelta(hours=2),
            status="missed", error="no longer useful", useful_until=now - timedelta(hours=1))
    sent = add_row(db, "c:slack:C-REM", target="C-REM", due=now, status="sent")
    reply = chat["sec"]("outbox").reply
    assert reply.title == "Outbox: 2 failed or missed" and reply.table is not None
    assert [r[0] for r in reply.table.rows] == [str(failed), str(failed + 1)]
    assert reply.table.rows[0][3:] == ("#s3-reminders (slack)", "failed", "channel_not_found")
    assert reply.buttons[0].command == f"outbox retry {failed}"
    retried = chat["sec"](f"outbox retry {failed + 1}").reply
    assert retried.tone == "success"
    again = row(db, failed + 1)
    assert (again.status, again.due_at, again.useful_until, again.attempts) == (
        "pending", now, None, 0)
    refused = chat["sec"](f"outbox retry {sent}").reply
    assert refused.tone == "error" and "is sent" in refused.text[0]
    assert audits(db, "outbox") == ["retry"]


def test_outbox_refusals(chat: dict[str, Chat]) -> None:
    assert "not a message ID" in chat["sec"]("outbox retry abc").reply.text[0]
    assert "No message #999" in chat["sec"]("outbox retry 999").reply.text[0]
    assert chat["sec"]("outbox retry").reply.tone == "error"
    assert chat["sec"]("outbox page:0").reply.tone == "error"
    assert chat["sec"]("outbox page:3").reply.tone == "error"
    assert chat["eva"]("outbox").reply.tone == "error"
    assert chat["obs"]("outbox retry 1").reply.tone == "error"
