"""The demo programme: an empty store only, every status, and the workflow rules kept."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from bot.demo.programme import NotEmpty, load_demo
from bot.demo.world import cutoff_dates
from handlers.core.config import ProgrammeConfig
from handlers.cutoffs.calendar import is_calendar_date
from storage.db import Database
from storage.models import (
    ApplicantNotification,
    Application,
    Assignment,
    AuditEntry,
    Cutoff,
    Decision,
    EvaluatorAssignment,
    Expert,
    Identity,
    Milestone,
    Note,
    Person,
    RubricCriterion,
    Score,
)
from storage.status import STATUSES, check_transition
from tests.conftest import BRUSSELS, _empty_tables, make_person

SCORED_OR_LATER = ("scored", "approved", "rejected", "reserve", "expert_matching", "co_design",
                   "in_delivery", "completed")
APPROVED_OR_LATER = ("approved", "expert_matching", "co_design", "in_delivery", "completed")


@pytest.fixture(scope="module")
def demo(_schema: Database) -> Database:
    """One demo programme for the read-only checks of this module (they change nothing);
    the tests that need an empty store come last and empty it themselves."""
    _empty_tables(_schema)
    load_demo(_schema, datetime(2026, 11, 26, 10, 0, tzinfo=BRUSSELS),
              ProgrammeConfig(timezone=BRUSSELS))
    return _schema


def test_every_status_is_present(demo: Database) -> None:
    with demo.read() as session:
        statuses = dict(session.execute(
            select(Application.status, func.count()).group_by(Application.status)).all())
    assert set(statuses) == set(STATUSES)
    assert 35 <= sum(statuses.values()) <= 45


def test_three_cutoffs_around_today(demo: Database, now: datetime,
                                    config: ProgrammeConfig) -> None:
    # `now` is the same instant the module's demo was loaded at
    with demo.read() as session:
        cutoffs = list(session.scalars(select(Cutoff).order_by(Cutoff.date)))
    assert [c.date.isoformat() for c in cutoffs] == ["2026-06-30", "2026-09-30", "2026-12-31"]
    assert [c.closes_at <= now for c in cutoffs] == [True, True, False]
    assert all(is_calendar_date(c.date, config) for c in cutoffs)


def test_cutoff_dates_count_today_as_open() -> None:
    assert cutoff_dates(date(2026, 12, 31), 3)[2] == date(2026, 12, 31)
    assert cutoff_dates(date(2027, 1, 1), 3) == (date(2026, 9, 30), date(2026, 12, 31),
                                                   date(2027, 3, 31))


def test_scored_cases_have_every_score_of_their_panel(demo: Database) -> None:
    with demo.read() as session:
        criteria = set(session.scalars(select(RubricCriterion.key)))
        cases = list(session.scalars(select(Application)
                                     .where(Application.status.in_(SCORED_OR_LATER))))
        assert cases
        for app in cases:
            panel = set(session.scalars(select(EvaluatorAssignment.person_id).where(
                EvaluatorAssignment.application_id == app.id, EvaluatorAssignment.active)))
            scores = {s.person_id: s for s in session.scalars(
                select(Score).where(Score.application_id == app.id))}
            assert len(panel) >= 2, app.ref
            assert panel == set(scores), app.ref
            assert all(set(s.values) == criteria for s in scores.values()), app.ref


def test_in_evaluation_cases_are_not_fully_scored(demo: Database) -> None:
    with demo.read() as session:
        for app in session.scalars(select(Application)
                                   .where(Application.status == "in_evaluation")):
            panel = session.scalar(select(func.count()).where(
                EvaluatorAssignment.application_id == app.id, EvaluatorAssignment.active))
            scored = session.scalar(select(func.count()).where(Score.application_id == app.id))
            assert panel == 2 and scored < panel


def test_evaluators_never_judge_their_own_country(demo: Database) -> None:
    with demo.read() as session:
        rows = session.execute(
            select(Application.country_code, Person.country_code)
            .join(EvaluatorAssignment, EvaluatorAssignment.application_id == Application.id)
            .join(Person, Person.id == EvaluatorAssignment.person_id))
        assert all(app_country != person_country for app_country, person_country in rows)


def test_decided_cases_have_decisions_and_letters(demo: Database) -> None:
    outcome_of = {"rejected": "reject", "reserve": "reserve", "ineligible": "ineligible",
                  **dict.fromkeys(APPROVED_OR_LATER, "approve")}
    with demo.read() as session:
        rows = session.execute(
            select(Application.ref, Application.status, Decision.outcome,
                   ApplicantNotification.sent_at)
            .outerjoin(Decision, Decision.application_id == Application.id)
            .outerjoin(ApplicantNotification,
                       ApplicantNotification.application_id == Application.id)).all()
    sent = pending = 0
    for ref, status, outcome, sent_at in rows:
        assert outcome == outcome_of.get(status), ref
        if outcome is not None:
            sent += sent_at is not None
            pending += sent_at is None
    assert sent and pending


def test_delivery_has_experts_and_some_overdue_milestones(demo: Database,
                                                          now: datetime) -> None:
    with demo.read() as session:
        in_delivery = session.scalars(select(Application.id).where(
            Application.status.in_(("co_design", "in_delivery", "completed")))).all()
        assignments = session.scalars(select(Assignment)).all()
        assert {a.application_id for a in assignments} == set(in_delivery)
        assert all(a.expert_id for a in assignments)
        overdue = session.scalar(select(func.count()).select_from(Milestone).where(
            Milestone.done_at.is_(None), Milestone.due_date < now.date()))
        assert overdue >= 1
        experts = session.scalars(select(Expert)).all()
        assert 10 <= len(experts) <= 14
        assert all("en" in e.languages and e.topics for e in experts)


def test_status_history_follows_the_allowed_transitions(demo: Database) -> None:
    with demo.read() as session:
        moves: dict[str, list[tuple[str, str]]] = {}
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.action == "status")
                                     .order_by(AuditEntry.id)):
            assert entry.before and entry.after
            moves.setdefault(entry.entity_id, []).append((entry.before["status"],
                                                          entry.after["status"]))
        finals = dict(session.execute(select(Application.ref, Application.status)).all())
    for ref, steps in moves.items():
        assert steps[0][0] == "received"
        for (before, after), (next_before, _) in zip(steps, [*steps[1:], (steps[-1][1], "")],
                                                      strict=True):
            check_transition(before, after)
            assert after == next_before
        assert steps[-1][1] == finals[ref]


def test_people_have_console_identities_and_notes_exist(demo: Database) -> None:
    with demo.read() as session:
        people = session.scalar(select(func.count()).select_from(Person))
        identities = session.scalar(select(func.count()).select_from(Identity)
                                    .where(Identity.platform == "console"))
        assert people == identities >= 6
        assert session.scalar(select(func.count()).select_from(Note))
        sources = set(session.scalars(select(AuditEntry.source)))
        assert sources == {"cli:demo-data"}


def test_a_store_with_a_programme_is_refused_and_left_alone(
        db: Database, config: ProgrammeConfig, now: datetime) -> None:
    make_person(db, "someone", "secretariat")
    with pytest.raises(NotEmpty):
        load_demo(db, now, config)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 0
        assert session.scalar(select(func.count()).select_from(Person)) == 1


def test_the_same_seed_gives_the_same_programme(db: Database, config: ProgrammeConfig,
                                                now: datetime) -> None:
    def programme() -> list[tuple[str, str, str]]:
        with db.read() as session:
            return list(session.execute(select(
                Application.ref, Application.applicant_organisation, Application.status)
                .order_by(Application.ref)).all())

    first_summary = load_demo(db, now, config)
    first = programme()
    _empty_tables(db)
    second_summary = load_demo(db, now, config)
    assert programme() == first
    assert second_summary.people == first_summary.people


def test_minutes_after_a_cutoff_closes_nothing_lies_in_the_future(
        db: Database, config: ProgrammeConfig) -> None:
    now = datetime(2026, 10, 1, 0, 5, tzinfo=BRUSSELS)
    load_demo(db, now, config)
    with db.read() as session:
        assert session.scalar(select(func.max(Application.submitted_at))) < now
        assert session.scalar(select(func.max(AuditEntry.at))) <= now
        assert session.scalar(select(func.max(Score.submitted_at))) <= now
