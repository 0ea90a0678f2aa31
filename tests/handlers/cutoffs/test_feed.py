"""The calendar feed: `cutoffs ics` and its token, and the iCalendar text of the programme's
dates (cut-offs, reminder dates, scoring deadlines, milestones) in the programme's zone."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from sqlalchemy import select

from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from handlers.cutoffs.feed import calendar_feed
from storage.db import Database
from storage.models import Assignment, AuditEntry, Milestone, Setting
from tests.conftest import BRUSSELS, Chat
from tests.delivery_helpers import make_application, make_cutoff

PUBLIC = "https://desk.example.eu"


def events(db: Database, config: ProgrammeConfig, now: datetime) -> dict[str, Event]:
    with db.read() as session:
        feed = Calendar.from_ical(calendar_feed(session, config, now))
    return {str(e["UID"]).split("@")[0]: e for e in feed.walk("VEVENT")}


@pytest.fixture
def programme(db: Database, now: datetime) -> None:
    """A past cut-off with a case in delivery, and a stored cut-off across the spring DST."""
    with db.transaction() as session:
        past = make_cutoff(session, dt.date(2026, 9, 30))
        make_cutoff(session, dt.date(2027, 3, 31))
        app = make_application(session, past, status="in_delivery")
        assignment = Assignment(application_id=app.id, days_planned=5)
        session.add(assignment)
        session.flush()
        session.add_all([
            Milestone(assignment_id=assignment.id, key="kickoff", due_date=dt.date(2026, 12, 10)),
            Milestone(assignment_id=assignment.id, key="work_plan",
                      due_date=dt.date(2026, 11, 20), done_at=now)])


def test_the_feed_holds_cutoffs_reminders_deadlines_and_open_milestones(
        db: Database, config: ProgrammeConfig, now: datetime, programme: None) -> None:
    found = events(db, config, now)
    # stored cut-offs, and the calendar one not stored yet (31 December)
    for day in ("2026-09-30", "2026-12-31", "2027-03-31"):
        assert f"cutoff-{day}" in found
    closes = found["cutoff-2027-03-31"]
    assert closes.start == datetime(2027, 3, 31, 23, tzinfo=BRUSSELS)
    assert closes.end == datetime(2027, 4, 1, tzinfo=BRUSSELS)
    assert str(closes.start.tzinfo) == "Europe/Brussels"
    assert str(closes["SUMMARY"]) == "Cut-off 31 March 2027 closes"
    # reminders at 09:00 Brussels on both sides of the change to summer time
    utc = {key: found[key].start.astimezone(UTC).hour for key in
           ("cutoff:2027-03-31:T-14", "cutoff:2027-03-31:T-7", "cutoff:2027-03-31:T-1")}
    assert utc == {"cutoff:2027-03-31:T-14": 8, "cutoff:2027-03-31:T-7": 8,
                   "cutoff:2027-03-31:T-1": 7}
    assert found["scores-2026-09-30"].start == dt.date(2026, 10, 22)
    kickoff = [e for key, e in found.items() if key.startswith("milestone-")]
    assert [(str(e["SUMMARY"]), e.start) for e in kickoff] == [
        ("TA-2026-0001: kickoff due", dt.date(2026, 12, 10))]
    assert "Maria" not in "".join(str(e.get("DESCRIPTION")) + str(e["SUMMARY"])
                                  for e in found.values())


def test_the_feed_carries_the_programme_zone_and_stable_uids(
        db: Database, now: datetime, programme: None) -> None:
    helsinki = ProgrammeConfig(timezone=ZoneInfo("Europe/Helsinki"))
    with db.read() as session:
        first = calendar_feed(session, helsinki, now)
        again = calendar_feed(session, helsinki, now)
    assert first == again
    feed = Calendar.from_ical(first)
    assert [str(tz["TZID"]) for tz in feed.walk("VTIMEZONE")] == ["Europe/Helsinki"]
    assert b"DTSTART;TZID=Europe/Helsinki:20261231T230000" in first


@pytest.fixture
def feeds(db: Database, now: datetime, people: dict[str, int]) -> dict[str, Chat]:
    desk = Desk(db, load_registry(), ProgrammeConfig(timezone=BRUSSELS, public_url=PUBLIC))
    return {name: Chat(desk, name, now) for name in ("sec", "obs", "eva")}


def test_the_feed_is_off_until_the_secretariat_issues_an_address(
        feeds: dict[str, Chat], db: Database) -> None:
    assert feeds["obs"]("cutoffs ics").reply.title == "The calendar feed is off"
    issued = feeds["sec"]("cutoffs ics new").reply
    assert issued.tone == "success"
    [address] = issued.text
    assert address.startswith(f"{PUBLIC}/calendar.ics?token=")
    token = address.split("token=")[1]
    assert len(token) >= 32
    assert feeds["obs"]("cutoffs ics").reply.text == (address,)
    assert feeds["eva"]("cutoffs ics").reply.tone == "error"
    assert feeds["eva"]("cutoffs ics new").reply.tone == "error"
    renewed = feeds["sec"]("cutoffs ics new").reply
    assert renewed.text != (address,) and "no longer works" in renewed.context[0]
    with db.read() as session:
        audit = list(session.scalars(select(AuditEntry).where(AuditEntry.entity == "calendar")))
    assert len(audit) == 2 and token not in str([(a.before, a.after) for a in audit])
    assert feeds["sec"]("cutoffs ics off").reply.title == "Calendar feed off"
    assert feeds["sec"]("cutoffs ics off").reply.title == "The calendar feed is already off"
    assert feeds["obs"]("cutoffs ics").reply.title == "The calendar feed is off"


def test_an_operator_token_is_shown_and_not_replaced_in_chat(
        db: Database, now: datetime, people: dict[str, int]) -> None:
    config = ProgrammeConfig(timezone=BRUSSELS, calendar_token="operator-token-1234567890")
    sec = Chat(Desk(db, load_registry(), config), "sec", now)
    shown = sec("cutoffs ics").reply
    assert shown.text == ("/calendar.ics?token=operator-token-1234567890",)
    assert "S3DESK_PUBLIC_URL" in shown.context[-1]
    for verb in ("cutoffs ics new", "cutoffs ics off"):
        reply = sec(verb).reply
        assert reply.tone == "error" and "S3DESK_CALENDAR_TOKEN" in reply.text[0]
    with db.read() as session:
        assert session.get(Setting, "calendar.token") is None
    assert "operator-token" not in repr(config)
