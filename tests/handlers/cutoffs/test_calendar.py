from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from handlers.core.config import ProgrammeConfig
from handlers.cutoffs.calendar import (
    calendar_date_on_or_after,
    closes_at,
    cutoff_for,
    ensure_cutoff,
    is_calendar_date,
    next_calendar_date,
)
from storage.db import Database
from storage.models import Cutoff

BRUSSELS = ZoneInfo("Europe/Brussels")
QUARTERLY = ProgrammeConfig(timezone=BRUSSELS)
MONTHLY = ProgrammeConfig(timezone=BRUSSELS, cutoff_interval_months=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.mark.parametrize(("day", "expected"), [
    (date(2027, 1, 15), date(2027, 3, 31)),
    (date(2027, 3, 31), date(2027, 3, 31)),
    (date(2027, 4, 1), date(2027, 6, 30)),
    (date(2027, 9, 30), date(2027, 9, 30)),
    (date(2027, 10, 1), date(2027, 12, 31)),
    (date(2027, 12, 31), date(2027, 12, 31)),
])
def test_quarterly_calendar_dates(day: date, expected: date) -> None:
    assert calendar_date_on_or_after(day, QUARTERLY) == expected
    assert is_calendar_date(expected, QUARTERLY)


def test_other_intervals_follow_the_month_ends_across_years() -> None:
    assert calendar_date_on_or_after(date(2028, 2, 3), MONTHLY) == date(2028, 2, 29)
    half_yearly = ProgrammeConfig(timezone=BRUSSELS, cutoff_interval_months=6)
    assert calendar_date_on_or_after(date(2027, 7, 1), half_yearly) == date(2027, 12, 31)
    five = ProgrammeConfig(timezone=BRUSSELS, cutoff_interval_months=5)
    days = [calendar_date_on_or_after(date(2026, 1, 1), five)]
    for _ in range(5):
        days.append(next_calendar_date(days[-1], five))
    months = [d.year * 12 + d.month for d in days]
    assert {b - a for a, b in pairwise(months)} == {5}
    assert not is_calendar_date(date(2027, 3, 30), QUARTERLY)


def test_a_cutoff_closes_at_the_end_of_its_day_in_the_programme_zone() -> None:
    # summer time: 31 March 2027 ends at 22:00 UTC
    assert closes_at(date(2027, 3, 31), QUARTERLY) == datetime(2027, 3, 31, 22, tzinfo=UTC)
    # winter time: 31 December 2026 ends at 23:00 UTC
    assert closes_at(date(2026, 12, 31), QUARTERLY) == datetime(2026, 12, 31, 23, tzinfo=UTC)


def test_cutoffs_on_daylight_saving_days_close_at_local_midnight() -> None:
    # 31 March 2024 (clocks forward, a 23-hour day) and 31 October 2027 (back, 25 hours)
    assert closes_at(date(2024, 3, 31), MONTHLY) == datetime(2024, 3, 31, 22, tzinfo=UTC)
    assert closes_at(date(2027, 10, 31), MONTHLY) == datetime(2027, 10, 31, 23, tzinfo=UTC)


def test_late_evening_submission_belongs_to_that_days_cutoff(db: Database) -> None:
    with db.transaction() as session:
        # 23:30 in Brussels is 21:30 UTC in summer time
        late = cutoff_for(session, local(2027, 3, 31, 23, 30), QUARTERLY)
        after_midnight = cutoff_for(session, local(2027, 4, 1, 0, 10), QUARTERLY)
        assert late.date == date(2027, 3, 31)
        assert after_midnight.date == date(2027, 6, 30)


def test_year_boundary_in_local_time_not_utc(db: Database) -> None:
    with db.transaction() as session:
        # 00:10 on 1 January in Brussels is still 31 December in UTC
        new_year = local(2027, 1, 1, 0, 10)
        assert new_year.astimezone(UTC).date() == date(2026, 12, 31)
        assert cutoff_for(session, new_year, QUARTERLY).date == date(2027, 3, 31)
        assert cutoff_for(session, local(2026, 12, 31, 23, 59), QUARTERLY).date == date(
            2026, 12, 31)


def test_daylight_saving_day_cutoff_takes_the_whole_local_day(db: Database) -> None:
    with db.transaction() as session:
        assert cutoff_for(session, local(2027, 10, 31, 23, 30), MONTHLY).date == date(
            2027, 10, 31)
        assert cutoff_for(session, local(2027, 11, 1, 0, 0), MONTHLY).date == date(2027, 11, 30)


def test_calendar_cutoffs_are_created_once_with_their_deadline(db: Database) -> None:
    with db.transaction() as session:
        first = cutoff_for(session, local(2027, 2, 1, 9), QUARTERLY)
        again = cutoff_for(session, local(2027, 3, 5, 9), QUARTERLY)
        assert first.id == again.id
        assert first.calendar_date == date(2027, 3, 31)
        assert first.evaluation_deadline == date(2027, 4, 21)
        assert session.scalar(select(func.count()).select_from(Cutoff)) == 1


def test_inserting_an_existing_cutoff_again_changes_nothing(db: Database) -> None:
    # what a second desk does when it loses the race for the same date
    with db.transaction() as session:
        ensure_cutoff(session, date(2027, 3, 31), QUARTERLY, calendar_date=date(2027, 3, 31))
        ensure_cutoff(session, date(2027, 3, 31), QUARTERLY, calendar_date=date(2027, 3, 31))
        assert session.scalar(select(func.count()).select_from(Cutoff)) == 1


def test_an_extra_cutoff_before_the_calendar_one_is_used(db: Database) -> None:
    with db.transaction() as session:
        ensure_cutoff(session, date(2027, 2, 15), QUARTERLY, calendar_date=None)
        assert cutoff_for(session, local(2027, 1, 10, 12), QUARTERLY).date == date(2027, 2, 15)
        assert cutoff_for(session, local(2027, 2, 16, 12), QUARTERLY).date == date(2027, 3, 31)


def test_a_moved_calendar_cutoff_is_not_created_again(db: Database) -> None:
    with db.transaction() as session:
        cutoff = cutoff_for(session, local(2027, 3, 1, 12), QUARTERLY)
        cutoff.date = date(2027, 4, 15)
        cutoff.closes_at = closes_at(date(2027, 4, 15), QUARTERLY)
        session.flush()
        assert cutoff_for(session, local(2027, 3, 20, 12), QUARTERLY).date == date(2027, 4, 15)
        # moved earlier than a submission: that submission goes to the next calendar slot
        cutoff.date = date(2027, 3, 10)
        cutoff.closes_at = closes_at(date(2027, 3, 10), QUARTERLY)
        session.flush()
        assert cutoff_for(session, local(2027, 3, 20, 12), QUARTERLY).date == date(2027, 6, 30)
        dates = set(session.scalars(select(Cutoff.date)))
        assert dates == {date(2027, 3, 10), date(2027, 6, 30)}


def test_naive_submission_is_refused(db: Database) -> None:
    with db.transaction() as session, pytest.raises(ValueError, match="aware"):
        cutoff_for(session, datetime(2027, 1, 1), QUARTERLY)  # noqa: DTZ001
