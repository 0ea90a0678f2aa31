"""Matching: the ranking, its reasons, and who is left out and why."""

from __future__ import annotations

import datetime as dt

import pytest

from handlers.experts.matching import rank_experts
from storage.db import Database
from storage.models import Application, Assignment
from tests.conftest import Chat
from tests.delivery_helpers import make_application, make_cutoff, make_expert


@pytest.fixture
def pool(db: Database) -> str:
    """An approved EL51 application on `edp`, and experts that fit it more or less."""
    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2026, 9, 30))
        app = make_application(session, cutoff, region="EL51", topic="edp")
        make_expert(session, "Alpha", languages=["el", "en"])
        make_expert(session, "Bravo", languages=["en"], regions_worked=["EL51"])
        charlie = make_expert(session, "Charlie", languages=["el"], topics=["foresight"],
                              availability_days=5)
        delta = make_expert(session, "Delta", languages=["el"])
        make_expert(session, "India", languages=["el"], region_code="EL52", country_code="EL",
                    availability_days=0)
        make_expert(session, "Echo", languages=["el"], status="paused")
        make_expert(session, "Foxtrot", languages=["el"], region_code="EL51", country_code="EL")
        make_expert(session, "Golf", languages=["el"], conflict_regions=["EL51"])
        make_expert(session, "Hotel", languages=["el"],
                    conflict_organisations=["regional authority of eastern macedonia"])
        busy = make_application(session, cutoff, region="BG31", status="in_delivery")
        session.add(Assignment(application_id=busy.id, expert_id=delta.id, days_planned=10))
        past = make_application(session, cutoff, region="EL51", status="completed")
        session.add(Assignment(application_id=past.id, expert_id=charlie.id, days_planned=10))
        return app.ref


def test_ranking_order_scores_and_reasons(db: Database, pool: str) -> None:
    with db.read() as session:
        app = session.query(Application).filter_by(ref=pool).one()
        ranked, excluded = rank_experts(session, app)
    assert [(c.expert.name, c.score) for c in ranked] == [
        ("Alpha", 7.0), ("Bravo", 6.0), ("Delta", 5.5), ("India", 5.0), ("Charlie", 3.5)]
    reasons = {c.expert.name: c.reasons for c in ranked}
    assert reasons["Alpha"] == ["topic edp", "speaks el (official in Greece)",
                                "20 of 20 days left this quarter", "0 active assignments"]
    assert "no official language of Greece (el)" in reasons["Bravo"]
    assert "worked with EL51 before" in reasons["Bravo"]
    assert "10 of 20 days left this quarter" in reasons["Delta"]
    assert "1 active assignment" in reasons["Delta"]
    assert "no days left this quarter" in reasons["India"]
    assert "other topics (foresight)" in reasons["Charlie"]
    assert "worked with EL51 before" in reasons["Charlie"]  # a past assignment there
    assert {x.expert.name: x.why for x in excluded} == {
        "Echo": "paused",
        "Foxtrot": "from the region itself (EL51)",
        "Golf": "declared a conflict with EL51",
        "Hotel": "declared a conflict with regional authority of eastern macedonia",
    }


def test_match_command_shows_ranking_exclusions_and_buttons(
    chat: dict[str, Chat], pool: str
) -> None:
    card = chat["sec"](f"match {pool}").reply
    assert card.table is not None
    assert [row[1] for row in card.table.rows] == ["Alpha", "Bravo", "Delta", "India", "Charlie"]
    assert "speaks el (official in Greece)" in card.table.rows[0][3]
    assert card.text and card.text[-1].startswith("Not considered: ")
    assert "Echo (paused)" in card.text[-1]
    assert card.buttons[0].command == f'expert {pool} "alpha@experts.example"'


def test_match_refuses_cases_not_approved_and_non_secretariat(
    chat: dict[str, Chat], db: Database, pool: str
) -> None:
    with db.transaction() as session:
        cutoff = make_cutoff(session, dt.date(2026, 12, 31))
        received = make_application(session, cutoff, status="received")
    reply = chat["sec"](f"match {received.ref}").reply
    assert reply.tone == "error" and "`received`" in reply.text[0]
    assert chat["obs"](f"match {pool}").reply.tone == "error"
    assert chat["sec"]("match TA-2026-9999").reply.text[0] == "No application `TA-2026-9999`."
