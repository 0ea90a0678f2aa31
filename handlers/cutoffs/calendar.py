"""The cut-off calendar: which cut-off an application belongs to, and when a cut-off closes.

By default a cut-off falls on the last day of every third month (March, June, September,
December) and closes at the END of that day in the programme's time zone, so a submission at
23:30 in Brussels on 31 March still belongs to the 31 March cut-off. `Cutoff.closes_at` is
the first instant after that day (exclusive): a submission belongs to a cut-off when it was
made before `closes_at`, and a cut-off has passed once `now >= closes_at`.

Calendar cut-offs are created when first needed, insert-if-absent on their unique date, so
two desks registering applications at the same moment create one row between them.
"""

from __future__ import annotations

import calendar
import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.errors import CommandError, NotFound
from storage.models import Cutoff


def closes_at(day: dt.date, config: ProgrammeConfig) -> datetime:
    """The instant a cut-off on `day` closes: midnight after it, in the programme's zone."""
    return datetime.combine(day + timedelta(days=1), dt.time.min, tzinfo=config.timezone)


def local_day(instant: datetime, config: ProgrammeConfig) -> dt.date:
    return instant.astimezone(config.timezone).date()


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def is_calendar_date(day: dt.date, config: ProgrammeConfig) -> bool:
    """True for the last day of a cut-off month (every Nth month, counted across years)."""
    months = day.year * 12 + day.month
    return months % config.cutoff_interval_months == 0 and day == _month_end(day.year,
                                                                              day.month)


def calendar_date_on_or_after(day: dt.date, config: ProgrammeConfig) -> dt.date:
    """The first calendar cut-off date that is `day` or later."""
    interval = config.cutoff_interval_months
    if interval < 1:
        raise ValueError("cutoff_interval_months must be at least 1")
    months = day.year * 12 + day.month
    months += (-months) % interval
    year, month = divmod(months - 1, 12)
    return _month_end(year, month + 1)


def next_calendar_date(day: dt.date, config: ProgrammeConfig) -> dt.date:
    """The first calendar cut-off date strictly after `day`."""
    return calendar_date_on_or_after(day + timedelta(days=1), config)


def ensure_cutoff(
    session: Session, day: dt.date, config: ProgrammeConfig, *, calendar_date: dt.date | None
) -> None:
    """Insert a cut-off on `day` unless one exists there (or for that calendar date)."""
    values = {
        "date": day,
        "calendar_date": calendar_date,
        "closes_at": closes_at(day, config),
        "evaluation_deadline": day + timedelta(days=config.evaluation_days),
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # No conflict target: a clash on either unique column (date, calendar date) means
    # someone else created it first, which is what we wanted.
    session.execute(insert(Cutoff).values(**values).on_conflict_do_nothing())


def cutoff_for(session: Session, submitted_at: datetime, config: ProgrammeConfig) -> Cutoff:
    """The first cut-off closing after `submitted_at`, creating calendar cut-offs as needed.

    A calendar cut-off that was moved keeps its calendar date, so the calendar never
    recreates it; one moved earlier than the submission is skipped for the next slot.
    """
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    slot = calendar_date_on_or_after(local_day(submitted_at, config), config)
    while True:
        existing = session.scalar(
            select(Cutoff).where(or_(Cutoff.calendar_date == slot, Cutoff.date == slot))
        )
        if existing is None:
            ensure_cutoff(session, slot, config, calendar_date=slot)
            existing = session.scalar(
                select(Cutoff).where(or_(Cutoff.calendar_date == slot, Cutoff.date == slot))
            )
        if existing is not None and existing.closes_at > submitted_at:
            break
        slot = next_calendar_date(slot, config)
    # An extra cut-off added by hand (or a moved one) may close before the calendar's.
    first = session.scalar(
        select(Cutoff).where(Cutoff.closes_at > submitted_at).order_by(Cutoff.closes_at).limit(1)
    )
    return first if first is not None else existing


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"`{text}` is not a date: write it as YYYY-MM-DD") from None


def next_cutoff(session: Session, now: datetime) -> Cutoff | None:
    """The coming cut-off: the first not closed yet, which new applications join."""
    return session.scalar(
        select(Cutoff).where(Cutoff.closes_at > now).order_by(Cutoff.closes_at).limit(1)
    )


def current_cutoff(session: Session, now: datetime) -> Cutoff | None:
    """The current cut-off: the cut-off that closed last, whose applications are in work."""
    return session.scalar(
        select(Cutoff).where(Cutoff.closes_at <= now).order_by(Cutoff.closes_at.desc()).limit(1)
    )


def resolve_cutoff(session: Session, text: str, now: datetime) -> Cutoff | None:
    """`next`, `current` or a date; None only for a `next` the calendar has not created yet."""
    word = text.strip().lower()
    if word == "next":
        return next_cutoff(session, now)
    if word == "current":
        found = current_cutoff(session, now)
        if found is None:
            raise NotFound("No cut-off has closed yet, so there is no current cut-off.")
        return found
    day = parse_day(text)
    found = session.scalar(select(Cutoff).where(Cutoff.date == day))
    if found is None:
        raise NotFound(f"No cut-off on {day.isoformat()}: type `cutoffs` to see them.")
    return found
