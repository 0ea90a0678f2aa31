from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from handlers.cutoffs.calendar import closes_at
from handlers.cutoffs.changes import realign_open
from storage.db import Database
from storage.models import AuditEntry, Cutoff
from tests.case_helpers import add_applications, cutoff_of
from tests.conftest import BRUSSELS, Chat

SUMMER = datetime(2026, 5, 4, 10, tzinfo=BRUSSELS)
MID_DECEMBER = datetime(2026, 12, 10, 9, tzinfo=BRUSSELS)


def rows_by_date(chat: Chat) -> dict[str, tuple[str, ...]]:
    reply = chat("cutoffs").reply
    assert reply.table is not None, reply.text
    return {row[0]: row for row in reply.table.rows}


def cutoff_row(db: Database, day: date) -> Cutoff | None:
    with db.read() as session:
        return session.scalar(select(Cutoff).where(Cutoff.date == day))


def test_cutoffs_lists_past_and_coming_with_counts_per_stage(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    add_applications(db, config, [SUMMER, SUMMER], status="in_evaluation")
    add_applications(db, config, [SUMMER], status="rejected")
    add_applications(db, config, [now, now, now])
    reply = chat["obs"]("cutoffs").reply
    assert reply.table is not None
    assert reply.table.columns[:3] == ("Cut-off", "State", "Total")
    rows = {row[0]: dict(zip(reply.table.columns, row, strict=True))
            for row in reply.table.rows}
    june, december = rows["2026-06-30"], rows["2026-12-31"]
    assert june["State"].startswith("current") and june["Total"] == "3"
    assert june["Evaluation"] == "2" and june["Declined"] == "1"
    assert december["State"].startswith("next") and december["Intake"] == "3"


def test_cutoffs_shows_the_calendar_when_nothing_is_coming(chat: dict[str, Chat]) -> None:
    rows = rows_by_date(chat["eva"])
    assert rows["2026-12-31"][1].startswith("next")


def test_strangers_do_not_see_cutoffs(chat: dict[str, Chat]) -> None:
    assert chat["stranger"]("cutoffs").reply.tone == "error"


def test_adding_a_cutoff_takes_the_earlier_submissions(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    early = add_applications(db, config, [now])
    reply = chat["sec"]("cutoffs add 2026-12-15").reply
    assert reply.tone == "success", reply.text
    assert cutoff_of(db, early[0]) == "2026-12-15"
    added = cutoff_row(db, date(2026, 12, 15))
    assert added is not None and added.calendar_date is None
    assert added.evaluation_deadline == date(2027, 1, 5)
    with db.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "cutoff"))
    assert entry is not None and entry.after == {"date": "2026-12-15", "applications_moved": 1}


def test_adding_refuses_past_and_existing_dates(chat: dict[str, Chat], db: Database,
                                                config: ProgrammeConfig,
                                                now: datetime) -> None:
    add_applications(db, config, [now])
    assert "already ended" in chat["sec"]("cutoffs add 2026-11-25").reply.text[0]
    assert "already a cut-off" in chat["sec"]("cutoffs add 2026-12-31").reply.text[0]
    assert "YYYY-MM-DD" in chat["sec"]("cutoffs add tomorrow").reply.text[0]
    assert chat["obs"]("cutoffs add 2027-02-01").reply.tone == "error"
    assert cutoff_row(db, date(2027, 2, 1)) is None


def test_moving_later_keeps_applications_and_shifts_deadlines(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    [ref] = add_applications(db, config, [now])
    reply = chat["sec"]("cutoffs move 2026-12-31 2027-01-15").reply
    assert reply.tone == "success", reply.text
    assert cutoff_of(db, ref) == "2027-01-15"
    moved = cutoff_row(db, date(2027, 1, 15))
    assert moved is not None
    assert moved.evaluation_deadline == date(2027, 2, 5)
    assert moved.calendar_date == date(2026, 12, 31)
    # the calendar does not bring the old date back for the next application
    later = Chat(chat["sec"].desk, "sec", datetime(2027, 1, 3, 9, tzinfo=BRUSSELS))
    assert later('new region:EL51 topic:edp org:"Agency"').reply.tone == "success"
    assert cutoff_of(db, "TA-2027-0001") == "2027-01-15"
    assert cutoff_row(db, date(2026, 12, 31)) is None
    with db.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "move"))
    assert entry is not None and entry.before is not None
    assert entry.before["date"] == "2026-12-31"


def test_after_moving_earlier_later_submissions_go_to_the_next_cutoff(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    [early] = add_applications(db, config, [now])
    assert chat["sec"]("cutoffs move 2026-12-31 2026-12-15").reply.tone == "success"
    assert cutoff_of(db, early) == "2026-12-15"
    later = Chat(chat["sec"].desk, "sec", datetime(2026, 12, 20, 9, tzinfo=BRUSSELS))
    assert later('new region:EL51 topic:edp org:"Agency"').reply.tone == "success"
    assert cutoff_of(db, "TA-2026-0002") == "2027-03-31"
    assert cutoff_row(db, date(2026, 12, 31)) is None


def test_realigning_puts_each_application_in_its_first_open_cutoff(
        db: Database, config: ProgrammeConfig) -> None:
    # a batch left inconsistent (a cut-off edited by hand): the rule is restored
    [before, after] = add_applications(db, config, [datetime(2026, 12, 5, 9, tzinfo=BRUSSELS),
                                                    datetime(2026, 12, 9, 9, tzinfo=BRUSSELS)])
    with db.transaction() as session:
        cutoff = session.scalar(select(Cutoff))
        assert cutoff is not None
        cutoff.date = date(2026, 12, 7)
        cutoff.closes_at = closes_at(date(2026, 12, 7), config)
        moved = realign_open(session, datetime(2026, 12, 6, 9, tzinfo=BRUSSELS), config)
    assert moved == 1
    assert cutoff_of(db, before) == "2026-12-07"
    assert cutoff_of(db, after) == "2027-03-31"


def test_moves_that_break_the_rules_are_refused(
        desk: Desk, db: Database, config: ProgrammeConfig, people: dict[str, int]) -> None:
    add_applications(db, config, [SUMMER, datetime(2026, 12, 1, 9, tzinfo=BRUSSELS)])
    sec = Chat(desk, "sec", MID_DECEMBER)
    sec("cutoffs add 2027-01-20")
    cases = {
        "cutoffs move 2026-06-30 2027-01-10": "has closed",
        "cutoffs move 2026-12-31 2026-12-01": "already ended",
        "cutoffs move 2026-12-31 2027-01-20": "cannot move onto or past",
        "cutoffs move 2026-12-31 2027-02-01": "cannot move onto or past",
        "cutoffs move 2026-12-31 2026-12-31": "already on",
        "cutoffs move 2026-10-31 2026-12-20": "No cut-off",
        "cutoffs move 2026-12-31": "new date",
    }
    for text, needle in cases.items():
        reply = sec(text).reply
        assert reply.tone == "error", text
        assert needle in reply.text[0], (text, reply.text)
    assert Chat(desk, "obs", MID_DECEMBER)("cutoffs move 2026-12-31 2026-12-20").reply.tone \
        == "error"
    assert cutoff_row(db, date(2026, 12, 31)) is not None
