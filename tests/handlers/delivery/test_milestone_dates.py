"""Milestone dates are checked against the assignment (nothing due before its start or
before the kick-off), and `assignments` shows each case's most overdue milestone."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

import pytest
from sqlalchemy import select

from storage.db import Database
from storage.models import Application, Assignment, Milestone
from tests.conftest import BRUSSELS, Chat, make_person
from tests.delivery_helpers import make_application, make_cutoff, make_expert


@pytest.fixture
def case(db: Database, chat: dict[str, Chat]) -> str:
    make_person(db, "UEXPERT", platform="slack")
    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2026, 9, 30))
        ref = make_application(session, cutoff).ref
        make_expert(session, "Alpha", languages=["el"])
    assert chat["sec"](f"expert {ref} Alpha").reply.tone == "success"  # starts 2026-11-26
    return ref


def _refused(chat: dict[str, Chat], text: str) -> str:
    reply = chat["sec"](text).reply
    assert reply.tone == "error", (text, reply)
    return reply.text[0]


def _dues(db: Database, ref: str) -> dict[str, dt.date | None]:
    with db.read() as session:
        return {m.key: m.due_date for m in session.scalars(
            select(Milestone).join(Assignment).join(Application)
            .where(Application.ref == ref))}


def test_nothing_is_due_before_the_assignment_started(chat: dict[str, Chat], db: Database,
                                                      case: str) -> None:
    before = _dues(db, case)
    message = _refused(chat, f"milestone {case} mid_term due 2026-11-20")
    assert "the assignment started on 2026-11-26" in message
    assert _dues(db, case) == before


def test_nothing_after_the_kickoff_is_due_before_it(chat: dict[str, Chat], db: Database,
                                                    case: str) -> None:
    assert chat["sec"](f"milestone {case} kickoff due 2026-12-10").reply.tone == "success"
    message = _refused(chat, f"milestone {case} mid_term due 2026-12-05")
    assert "before the kick-off (is due on 2026-12-10)" in message
    assert "work_plan comes before it" in _refused(chat, f"milestone {case} kickoff due 2027-09-01")
    assert _dues(db, case)["kickoff"] == dt.date(2026, 12, 10)
    assert chat["sec"](f"milestone {case} mid_term due 2026-12-10").reply.tone == "success"


def test_assignments_shows_the_most_overdue_milestone(chat: dict[str, Chat], db: Database,
                                                      case: str) -> None:
    with db.transaction() as session:
        assignment = session.scalar(select(Assignment))
        assert assignment is not None
        assignment.started_at = datetime(2026, 9, 1, 10, tzinfo=BRUSSELS)
        kickoff = session.scalar(select(Milestone).where(Milestone.key == "kickoff"))
        assert kickoff is not None
        kickoff.due_date = dt.date(2026, 9, 10)
        kickoff.done_at = datetime(2026, 9, 10, 15, tzinfo=BRUSSELS)
    assert chat["sec"](f"milestone {case} work_plan due 2026-12-14").reply.tone == "success"
    assert chat["sec"](f"milestone {case} mid_term due 2026-10-24").reply.tone == "success"
    card = chat["sec"]("assignments").reply
    assert card.table is not None
    assert [(r[0], r[4], r[5], r[6]) for r in card.table.rows] == [
        (case, "mid_term", "2026-10-24", "33")]
    assert card.context[0].startswith("1 late.")
