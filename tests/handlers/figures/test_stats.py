"""`stats` on a small programme whose figures are known exactly."""

from __future__ import annotations

import datetime as dt
import json
from datetime import timedelta

import pytest

from handlers.figures.queries import pipeline_figures
from storage.db import Database
from storage.models import ApplicantNotification, Assignment, Score
from tests.conftest import Chat
from tests.delivery_helpers import make_application, make_cutoff, make_decision


@pytest.fixture
def programme(db: Database, people: dict[str, int]) -> None:
    with db.transaction() as session:
        march = make_cutoff(session, dt.date(2026, 3, 31))
        june = make_cutoff(session, dt.date(2026, 6, 30))
        m, j = march.closes_at, june.closes_at
        a1 = make_application(session, march, region="EL51", status="co_design", topic="edp",
                              cohesion="less_developed")
        a2 = make_application(session, march, region="BG31", status="rejected",
                              challenges=["demographic"])
        a3 = make_application(session, march, region="RO21", status="reserve",
                              cohesion="transition")
        make_application(session, march, region="EL51", status="ineligible")
        a5 = make_application(session, june, region="BG31", status="in_delivery",
                              topic="clusters", cohesion="less_developed")
        make_application(session, june, region="RO21", status="received")
        make_application(session, june, region="EL51", status="withdrawn", challenges=["green"])
        make_decision(session, a1, "approve", m + timedelta(days=10))
        make_decision(session, a2, "reject", m + timedelta(days=20))
        make_decision(session, a3, "reserve", m + timedelta(days=30))
        make_decision(session, a5, "approve", j + timedelta(days=12))
        for app, days in ((a1, 15), (a2, 25)):
            session.add(ApplicantNotification(application_id=app.id, outcome="x", body="...",
                                              sent_at=app.cutoff.closes_at + timedelta(days=days)))
        session.add(ApplicantNotification(application_id=a3.id, outcome="reserve", body="..."))
        session.add_all([Assignment(application_id=a1.id, days_planned=10),
                         Assignment(application_id=a5.id, days_planned=10)])
        session.add(Score(application_id=a1.id, person_id=people["eva"],
                          values={"relevance": 4}, comment="PRIVATE-REMARK"))


def test_figures_are_exact(db: Database, programme: None) -> None:
    with db.read() as session:
        figures = pipeline_figures(session)
    assert figures.applications == 7
    assert figures.priority == 4
    assert (figures.decided, figures.approved, figures.approved_priority) == (4, 2, 2)
    assert figures.approval_rate == 0.5
    assert figures.days_to_decision == pytest.approx(18.0, abs=1e-6)
    assert (figures.informed, figures.days_to_informed) == (2, pytest.approx(20.0, abs=1e-6))
    assert figures.by_topic == [("clusters", 1), ("edp", 1)]
    assert figures.by_country == [("BG", 1), ("EL", 1)]
    assert (dt.date(2026, 3, 31), "co_design", 1) in figures.per_cutoff
    assert len(figures.per_cutoff) == 7


def test_stats_card(chat: dict[str, Chat], programme: None) -> None:
    outcome = chat["obs"]("stats")
    card = outcome.reply
    facts = {f.label: f.value for f in card.facts}
    assert facts == {
        "Applications": "7",
        "Approval rate": "2 of 4 (50%) decided",
        "Priority regions": "4 of 7 (57%) applications; 2 of 2 (100%) approved",
        "Cut-off to decision": "18.0 days on average (4 decisions)",
        "Cut-off to applicant informed": "20.0 days on average (2 applicants)",
    }
    assert card.table is not None and card.table.rows == (
        ("2026-03-31", "4", "co_design 1, ineligible 1, rejected 1, reserve 1"),
        ("2026-06-30", "3", "in_delivery 1, received 1, withdrawn 1"),
    )
    assert card.text == ("Assignments by topic: clusters 1, edp 1",
                         "Assignments by country: BG 1, EL 1")
    assert card.image_png is None
    shown = json.dumps(card.to_dict())
    assert "PRIVATE-REMARK" not in shown and "relevance" not in shown


def test_stats_chart_attaches_a_png(chat: dict[str, Chat], programme: None) -> None:
    card = chat["sec"]("stats chart").reply
    assert card.image_png is not None and card.image_png.startswith(b"\x89PNG\r\n\x1a\n")
    assert {f.label for f in card.facts} >= {"Applications", "Approval rate"}


def test_stats_on_an_empty_store_and_for_evaluators(chat: dict[str, Chat]) -> None:
    card = chat["sec"]("stats").reply
    facts = {f.label: f.value for f in card.facts}
    assert facts["Applications"] == "0" and facts["Approval rate"] == "no decision yet"
    assert card.table is None and card.text == ("No assignment yet.",)
    assert chat["sec"]("stats chart").reply.image_png is not None
    assert chat["eva"]("stats").reply.tone == "error"
