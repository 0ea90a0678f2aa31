"""Finding a cut-off by date, its applications, and the run-time settings (capacity,
priority bonus) that shape its decisions."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.errors import CommandError, NotFound
from storage.models import Application, Cutoff, Decision, Setting

CAPACITY_DEFAULT_KEY = "capacity_default"
PRIORITY_BONUS_KEY = "priority_bonus"


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"`{text}` is not a date: write it as YYYY-MM-DD") from None


def find_cutoff(session: Session, text: str, *, for_update: bool = False) -> Cutoff:
    day = parse_date(text)
    stmt = select(Cutoff).where(Cutoff.date == day)
    if for_update:
        stmt = stmt.with_for_update(of=Cutoff).execution_options(populate_existing=True)
    cutoff = session.scalar(stmt)
    if cutoff is None:
        known = session.scalars(select(Cutoff.date).order_by(Cutoff.date.desc()).limit(4))
        listed = ", ".join(d.isoformat() for d in known) or "none yet"
        raise NotFound(f"No cut-off on {day.isoformat()} (latest: {listed}).")
    return cutoff


def cutoff_option(session: Session, value: str | None, usage_hint: str) -> Cutoff:
    if not value:
        raise CommandError(f"name the cut-off: {usage_hint}")
    return find_cutoff(session, value)


def applications_of(session: Session, cutoff: Cutoff, *statuses: str) -> list[Application]:
    stmt = select(Application).where(Application.cutoff_id == cutoff.id)
    if statuses:
        stmt = stmt.where(Application.status.in_(statuses))
    return list(session.scalars(stmt.order_by(Application.ref)))


def approved_in(session: Session, cutoff: Cutoff) -> int:
    """Cases of the cut-off with an approval (they use up its capacity)."""
    return session.scalar(
        select(func.count(Decision.id))
        .join(Application, Application.id == Decision.application_id)
        .where(Application.cutoff_id == cutoff.id, Decision.outcome == "approve")
    ) or 0


def read_setting(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return None if row is None else str(row.value)


def capacity_of(session: Session, cutoff: Cutoff) -> int | None:
    """Assignments available in this cut-off: its own figure, else the default, else no limit."""
    if cutoff.capacity is not None:
        return cutoff.capacity
    default = read_setting(session, CAPACITY_DEFAULT_KEY)
    return int(default) if default not in (None, "") else None


def priority_bonus(session: Session) -> Fraction:
    value = read_setting(session, PRIORITY_BONUS_KEY)
    return Fraction(value) if value not in (None, "") else Fraction(0)


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"
