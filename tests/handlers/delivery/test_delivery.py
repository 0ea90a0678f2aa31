"""Assigning an expert, co-design parties, milestones, their reminders and the overview."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers.cases.card import CaseView, fill_case_view
from handlers.core import fanout
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Actor
from handlers.delivery.milestones import milestone_notices
from storage.db import Database
from storage.models import (
    Application,
    Assignment,
    AuditEntry,
    Cutoff,
    Milestone,
    OutboxMessage,
    Place,
)
from tests.conftest import Chat, make_person
from tests.delivery_helpers import make_application, make_cutoff, make_expert


@pytest.fixture
def case(db: Database) -> str:
    expert_person = make_person(db, "UEXPERT", platform="slack")
    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2026, 9, 30))
        app = make_application(session, cutoff)
        make_expert(session, "Alpha", languages=["el"], person_id=expert_person)
        make_expert(session, "Paused", status="paused")
        return app.ref


def _app(db: Database, ref: str) -> tuple[Application, Assignment | None, list[Milestone]]:
    with db.read() as session:
        app = session.scalar(select(Application).where(Application.ref == ref))
        assert app is not None
        assignment = session.scalar(select(Assignment).where(Assignment.application_id == app.id))
        milestones = list(session.scalars(select(Milestone).order_by(Milestone.id))) \
            if assignment else []
        return app, assignment, milestones


def test_assign_creates_parties_milestones_and_moves_the_case(
    chat: dict[str, Chat], db: Database, case: str
) -> None:
    outcome = chat["sec"](f'expert {case} Alpha dg_regio:"Dora Desk" days:12')
    assert outcome.reply.tone == "success", outcome.reply
    app, assignment, milestones = _app(db, case)
    assert app.status == "co_design"
    assert assignment is not None and assignment.days_planned == 12
    assert (assignment.dg_regio_officer, assignment.region_contact,
            assignment.secretariat_lead) == ("Dora Desk", "Maria Papadopoulou", "sec")
    assert [(m.key, m.due_date.isoformat()) for m in milestones if m.due_date] == [
        ("kickoff", "2026-12-10"), ("work_plan", "2027-01-07"), ("mid_term", "2027-03-26"),
        ("final_deliverable", "2027-06-24"), ("closure", "2027-07-24")]
    with db.read() as session:
        moves = [(a.before, a.after) for a in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "status").order_by(AuditEntry.id))]
        outbox = list(session.scalars(select(OutboxMessage)))
    assert [(b["status"], a["status"]) for b, a in moves if b and a] == [
        ("approved", "expert_matching"), ("expert_matching", "co_design")]
    audiences = sorted(n.audience.kind for n in outcome.notices)
    assert audiences == ["person", "secretariat"]
    assert [o.target for o in outbox] == ["user:UEXPERT"]  # the expert's Slack identity


def test_assign_refusals_change_nothing(chat: dict[str, Chat], db: Database, case: str) -> None:
    paused = chat["sec"](f"expert {case} Paused").reply
    assert paused.tone == "error" and "paused" in paused.text[0]
    assert chat["sec"](f"expert {case} Nobody").reply.tone == "error"
    assert chat["sec"](f"expert {case} Alpha days:0").reply.tone == "error"
    assert _app(db, case)[0].status == "approved"
    assert chat["sec"](f"expert {case} Alpha").reply.tone == "success"
    again = chat["sec"](f"expert {case} Alpha").reply
    assert again.tone == "error"


def test_parties_are_recorded_and_audited(chat: dict[str, Chat], db: Database, case: str) -> None:
    assert chat["sec"](f"parties {case}").reply.tone == "error"  # no assignment yet
    chat["sec"](f"expert {case} Alpha")
    card = chat["sec"](f'parties {case} dg_regio:"Dora Desk" lead:"Sam Lead"').reply
    facts = {f.label: f.value for f in card.facts}
    assert facts == {"DG REGIO": "Dora Desk", "Region": "Maria Papadopoulou",
                     "Secretariat lead": "Sam Lead", "Expert": "Alpha"}
    with db.read() as session:
        row = session.scalar(select(AuditEntry).where(AuditEntry.action == "parties"))
        assert row is not None and row.after and row.after["secretariat_lead"] == "Sam Lead"


def test_milestones_drive_delivery_to_completion(
    chat: dict[str, Chat], db: Database, case: str
) -> None:
    chat["sec"](f"expert {case} Alpha")
    assert chat["sec"](f"milestone {case} kickoff done").reply.tone == "success"
    early = chat["sec"](f"milestone {case} closure done").reply
    assert early.tone == "error" and "work plan" in early.text[0]
    assert chat["sec"](f"milestone {case} kickoff done").reply.tone == "error"  # already done
    assert chat["sec"](f"milestone {case} mid_term due 2027-04-01").reply.tone == "success"
    assert chat["sec"](f"milestone {case} mid_term due 1 April").reply.tone == "error"
    assert chat["sec"](f"milestone {case} budget done").reply.tone == "error"
    assert "now in delivery" in chat["sec"](f"milestone {case} work_plan done").reply.text[0]
    assert _app(db, case)[0].status == "in_delivery"
    assert chat["sec"](f"milestone {case} closure done").reply.tone == "success"
    app, assignment, milestones = _app(db, case)
    assert app.status == "completed" and assignment and assignment.completed_at is not None
    assert {m.key: m.due_date for m in milestones}["mid_term"] == dt.date(2027, 4, 1)
    assert chat["eva"](f"milestone {case} kickoff done").reply.tone == "error"


def _set_dues(db: Database, ref: str, **dues: dt.date) -> None:
    with db.transaction() as session:
        app = session.scalar(select(Application).where(Application.ref == ref))
        assert app is not None
        assignment = session.scalar(select(Assignment).where(Assignment.application_id == app.id))
        assert assignment is not None
        for m in session.scalars(select(Milestone).where(
                Milestone.assignment_id == assignment.id)):
            if m.key in dues:
                m.due_date = dues[m.key]


def test_milestone_notices_due_soon_and_overdue(
    chat: dict[str, Chat], db: Database, case: str, now: datetime, config: ProgrammeConfig
) -> None:
    chat["sec"](f"expert {case} Alpha")
    _set_dues(db, case, kickoff=dt.date(2026, 11, 20), work_plan=dt.date(2026, 11, 30))
    with db.transaction() as session:
        session.add(Place(platform="slack", purpose="reminders", channel_id="CREM",
                          registered_at=now - dt.timedelta(days=30)))
    with db.transaction() as session:
        notices = milestone_notices(session, now, config)
        keys = [n.key for n in notices]
        assert keys == [
            f"milestone:{case}:kickoff:overdue:2026-11-20",
            f"milestone:{case}:kickoff:overdue:2026-11-20:expert",
            f"milestone:{case}:work_plan:due_soon:2026-11-30",
            f"milestone:{case}:work_plan:due_soon:2026-11-30:expert",
        ]
        assert "6 days late" in notices[0].card.text[0]
        assert notices[0].thread_key == f"case:{case}"
        first = fanout.schedule(session, notices, now)
        again = fanout.schedule(session, milestone_notices(session, now, config), now)
    assert (first, again) == (4, 0)  # channel + expert, twice; nothing twice
    chat["sec"](f"milestone {case} kickoff done")
    with db.read() as session:
        later = [n.key for n in milestone_notices(session, now, config)]
    assert all(":kickoff:" not in key for key in later)


def test_no_milestone_notices_for_closed_cases(
    db: Database, now: datetime, config: ProgrammeConfig
) -> None:
    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2026, 6, 30))
        app = make_application(session, cutoff, status="completed")
        assignment = Assignment(application_id=app.id, days_planned=5)
        session.add(assignment)
        session.flush()
        session.add(Milestone(assignment_id=assignment.id, key="closure",
                              due_date=dt.date(2026, 1, 1)))
    with db.read() as session:
        assert milestone_notices(session, now, config) == []


def test_assignments_overview_sorted_by_lateness(
    chat: dict[str, Chat], db: Database, case: str
) -> None:
    with db.transaction() as session:
        cutoff = session.scalar(select(Cutoff))
        assert cutoff is not None
        second = make_application(session, cutoff, region="BG31").ref
        third = make_application(session, cutoff, region="RO21").ref
    for ref in (case, second, third):
        assert chat["sec"](f"expert {ref} Alpha").reply.tone == "success"
    _set_dues(db, case, kickoff=dt.date(2026, 11, 20))
    _set_dues(db, third, kickoff=dt.date(2026, 11, 16))
    card = chat["obs"]("assignments").reply
    assert card.table is not None
    assert [(r[0], r[4], r[6]) for r in card.table.rows] == [
        (third, "kickoff", "10"), (case, "kickoff", "6"), (second, "kickoff", "0")]
    assert card.context[0].startswith("2 late.") and card.tone == "warning"
    assert chat["eva"]("assignments").reply.tone == "error"


def test_case_card_shows_expert_parties_and_milestones(
    chat: dict[str, Chat], db: Database, case: str, people: dict[str, int]
) -> None:
    viewer = Actor("console", "sec", "sec", people["sec"], frozenset({"secretariat"}))
    with db.read() as session:
        app = session.scalar(select(Application).where(Application.ref == case))
        assert app is not None
        before = fill_case_view(session, app, viewer, CaseView(ProgrammeConfig()))
    assert f"match {case}" in [b.command for b in before.buttons]
    chat["sec"](f"expert {case} Alpha")
    chat["sec"](f"milestone {case} kickoff done")
    with db.read() as session:
        app = session.scalar(select(Application).where(Application.ref == case))
        assert app is not None
        view = fill_case_view(session, app, None, CaseView(ProgrammeConfig()))
    facts = {f.label: f.value for f in view.facts}
    assert facts["Expert"] == "Alpha"
    assert "Region: Maria Papadopoulou" in facts["Co-design"]
    milestones = next(t for t in view.text if t.startswith("Milestones: "))
    assert "kickoff done 2026-11-26" in milestones and "work_plan due 2027-01-07" in milestones


VERBS = ("experts", "expert add", "expert set", "expert show", "expert", "match", "parties",
         "milestone", "assignments", "stats", "person export", "person erase", "privacy purge")


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(VERBS), st.lists(st.sampled_from(
    ["TA-2026-0001", "Alpha", "kickoff", "done", "due", "2027-13-01", "days", "page:0",
     "topic:", "x@y", '"', "region:EL51", "days:-1", "%", "status:paused", "person", "-"]),
    max_size=4), st.text(max_size=12))
def test_no_input_to_these_commands_fails_on_our_side(
    chat: dict[str, Chat], case: str, verb: str, words: list[str], tail: str
) -> None:
    reply = chat["sec"](" ".join([verb, *words, tail])).reply
    assert not reply.text or "on our side" not in reply.text[0], reply


def test_show_carries_the_delivery_section(chat: dict[str, Chat], case: str) -> None:
    chat["sec"](f"expert {case} Alpha")
    card = chat["obs"](f"show {case}").reply
    facts = {f.label: f.value for f in card.facts}
    assert facts.get("Expert") == "Alpha", card
    assert any("kickoff due 2026-12-10" in t for t in card.text)
