"""Reminders after the cut-off: evaluator nudges, applicants not informed, milestones."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import ApplicantNotification, Application, Assignment, Milestone
from tests.reminder_helpers import (
    add_application,
    add_cutoff,
    add_person,
    add_place,
    assign,
    at,
    decide,
    keys,
    outbox,
    sweep,
)

D = dt.date


def test_evaluators_are_nudged_about_their_own_unscored_cases_only(
    db: Database, config: ProgrammeConfig
) -> None:
    eva = add_person(db, "eva", "evaluator", slack_id="U-EVA")
    ed = add_person(db, "ed", "evaluator", slack_id="U-ED")
    add_person(db, "sec", "secretariat", slack_id="U-SEC")
    cutoff = add_cutoff(db, D(2026, 12, 31), closed=True, evaluation_deadline=D(2027, 1, 21))
    first, second, third = (add_application(db, cutoff, status="in_evaluation")
                            for _ in range(3))
    assign(db, first, eva)
    assign(db, second, eva)
    assign(db, first, ed, scored=True)
    assign(db, third, ed)
    sweep(db, config, at(2027, 1, 17, 12))
    sweep(db, config, at(2027, 1, 18, 9))
    rows = {r.target: r for r in outbox(db) if r.kind == "reminder.evaluation"}
    assert set(rows) == {"user:U-EVA", "user:U-ED"}
    assert rows["user:U-EVA"].dedupe_key == f"evaluation:2026-12-31:{eva}:T-3:slack:user:U-EVA"
    assert rows["user:U-EVA"].card["text"] == [f"Still waiting for your scores: {first}, "
                                               f"{second}."]
    assert third not in str(rows["user:U-EVA"].card) and "U-ED" not in str(rows["user:U-EVA"])
    assert rows["user:U-ED"].card["text"] == [f"Still waiting for your scores: {third}."]
    # the day after the deadline the secretariat hears what is still missing
    sweep(db, config, at(2027, 1, 22, 9))
    escalation = outbox(db)[-1]
    assert (escalation.dedupe_key, escalation.kind) == (
        "evaluation:2026-12-31:overdue:slack:user:U-SEC", "reminder.escalation")
    assert escalation.card["table"]["rows"] == [["ed", "1", third], ["eva", "2",
                                                                     f"{first}, {second}"]]


def test_the_secretariat_hears_of_applicants_not_informed_in_time(
    db: Database, config: ProgrammeConfig
) -> None:
    add_person(db, "sec", "secretariat", slack_id="U-SEC")
    cutoff = add_cutoff(db, D(2026, 9, 30), closed=True)
    told, untold = (add_application(db, cutoff, status="approved") for _ in range(2))
    for ref in (told, untold):
        decide(db, ref, at(2026, 11, 16, 15))
    with db.transaction() as session:
        app_id = session.scalar(select(Application.id).where(Application.ref == told))
        session.add(ApplicantNotification(application_id=app_id, outcome="approve", body="b",
                                          sent_at=at(2026, 11, 20)))
    sweep(db, config, at(2026, 11, 26, 8))
    assert sweep(db, config, at(2026, 11, 26, 9)) == 1
    [row] = outbox(db)
    assert row.dedupe_key == "inform:2026-11-16:slack:user:U-SEC"
    assert row.card["table"]["rows"] == [[untold, "approve"]]


def test_milestone_reminders_are_computed_once_a_day(db: Database,
                                                     config: ProgrammeConfig) -> None:
    add_place(db, "C1")
    cutoff = add_cutoff(db, D(2026, 6, 30), closed=True)
    ref = add_application(db, cutoff, status="in_delivery")
    with db.transaction() as session:
        app_id = session.scalar(select(Application.id).where(Application.ref == ref))
        assignment = Assignment(application_id=app_id)
        session.add(assignment)
        session.flush()
        session.add(Milestone(assignment_id=assignment.id, key="kickoff",
                              due_date=D(2026, 11, 30)))
    sweep(db, config, at(2026, 11, 26, 8))
    sweep(db, config, at(2026, 11, 26, 9))
    assert keys(db) == [f"milestone:{ref}:kickoff:due_soon:2026-11-30:slack:C1"]
    with db.transaction() as session:
        session.add(Milestone(assignment_id=assignment.id, key="work_plan",
                              due_date=D(2026, 12, 1)))
    sweep(db, config, at(2026, 11, 26, 10))
    assert len(keys(db)) == 1
    sweep(db, config, at(2026, 11, 27, 9))
    assert keys(db)[-1] == f"milestone:{ref}:work_plan:due_soon:2026-12-01:slack:C1"


def test_a_long_list_of_unscored_cases_is_trimmed_and_counted(
    db: Database, config: ProgrammeConfig
) -> None:
    eva = add_person(db, "eva", "evaluator", slack_id="U-EVA")
    cutoff = add_cutoff(db, D(2026, 12, 31), closed=True, evaluation_deadline=D(2027, 1, 21))
    refs = sorted(add_application(db, cutoff, status="in_evaluation") for _ in range(12))
    for ref in refs:
        assign(db, ref, eva)
    sweep(db, config, at(2027, 1, 20, 8))
    sweep(db, config, at(2027, 1, 20, 9))
    [row] = [r for r in outbox(db) if r.kind == "reminder.evaluation"]
    assert row.card["title"] == "12 applications to score by Thursday 21 January 2027"
    assert row.card["text"] == [f"Still waiting for your scores: {', '.join(refs[:10])} "
                                "and 2 more."]
    assert row.useful_until == at(2027, 1, 22)
