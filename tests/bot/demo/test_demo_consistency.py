"""The demo programme agrees with the NUTS reference and with its own timeline: regions keep
their real Cohesion category, and nobody is told before the decision is announced."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.demo.programme import load_demo
from bot.demo.regions import CATEGORY_OF, DEMO_CATEGORIES
from handlers.core.config import ProgrammeConfig
from handlers.figures.queries import pipeline_figures
from storage.db import Database
from storage.models import ApplicantNotification, Application, Cutoff, Decision, Region
from storage.regions import nuts2_regions
from tests.conftest import BRUSSELS, _empty_tables

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BRUSSELS)


@pytest.fixture(scope="module")
def demo(_schema: Database) -> Database:
    _empty_tables(_schema)
    load_demo(_schema, NOW, ProgrammeConfig(timezone=BRUSSELS))
    return _schema


def test_the_demo_regions_and_their_categories_are_real() -> None:
    codes = {code for code, _, _ in nuts2_regions()}
    assert set(CATEGORY_OF) <= codes
    assert sum(len(c) for c in DEMO_CATEGORIES.values()) == len(CATEGORY_OF)  # no code twice
    # the regions the demo once got wrong
    assert CATEGORY_OF["HR03"] == CATEGORY_OF["HU32"] == "less_developed"
    assert CATEGORY_OF["AT32"] == "more_developed"


def test_no_application_contradicts_its_regions_category(demo: Database) -> None:
    with demo.read() as session:
        apps = list(session.scalars(select(Application)))
        defaults = dict(session.execute(select(Region.code, Region.cohesion_category)
                                        .where(Region.cohesion_category.is_not(None))).all())
    assert len(apps) == 40
    for app in apps:
        assert app.cohesion_declared == CATEGORY_OF[app.region_code], app.ref
        assert app.cohesion_confirmed in (None, CATEGORY_OF[app.region_code]), app.ref
    assert all(CATEGORY_OF[code] == category for code, category in defaults.items())


def test_nobody_is_told_before_the_announcement(demo: Database) -> None:
    with demo.read() as session:
        rows = session.execute(
            select(Application.ref, Cutoff.closes_at, Cutoff.announced_at, Decision,
                   ApplicantNotification)
            .join(Cutoff, Cutoff.id == Application.cutoff_id)
            .join(Decision, Decision.application_id == Application.id)
            .outerjoin(ApplicantNotification,
                       ApplicantNotification.application_id == Application.id)).all()
    letters = 0
    for ref, closes, cutoff_announced, decision, letter in rows:
        if decision.outcome != "ineligible":
            assert decision.decided_at >= closes, ref
        assert decision.announced_at == cutoff_announced, ref
        if decision.announced_at is None:
            assert letter is None, f"{ref}: a letter before the announcement"
            continue
        assert decision.announced_at >= decision.decided_at, ref
        assert letter is not None, f"{ref}: announced without a letter"
        assert letter.drafted_at >= decision.announced_at, ref
        if letter.sent_at is not None:
            letters += 1
            assert decision.announced_at <= letter.sent_at <= NOW, ref
    assert letters >= 10


def test_the_figures_follow_the_timeline(demo: Database) -> None:
    with demo.read() as session:
        figures = pipeline_figures(session)
    assert figures.days_to_decision is not None and figures.days_to_informed is not None
    # decided within the programme's deadlines, told after the decision
    assert 0 < figures.days_to_decision <= 45
    assert figures.days_to_decision < figures.days_to_informed <= 60
