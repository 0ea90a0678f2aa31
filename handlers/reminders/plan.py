"""What the programme reminds people of, and when: computed from the store, never stored.

Each planner answers one question for a window of instants `(start, end]`: which reminders
fall due in it, for whom, under which stable key. The sweep asks for the window since its
last run; `reminders` asks for the coming weeks. A key names the thing and the step
(`cutoff:2027-03-31:T-7`), so computing it twice can never send it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Button, Card, Fact, Notice
from handlers.reminders.times import days_at_hour_in, end_of_day, in_window, local_at, long_day
from storage.models import Application, Cutoff

# builds the notices when the reminder is due (the card reflects the store at that moment)
Builder = Callable[[datetime], list[Notice]]


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str
    due_at: datetime
    audience: Audience
    # one line for the `reminders` overview
    summary: str
    useful_until: datetime | None
    build: Builder = field(compare=False)
    # computed by one replica only (a PostgreSQL advisory lock), e.g. the weekly digest
    singleton: bool = False
    # False when the builder's notices use their own keys (checked by the outbox only)
    keyed: bool = True


Planner = Callable[[Session, ProgrammeConfig, datetime, datetime], list["Planned"]]


def notice(planned: Planned, card: Card, **extra: object) -> Notice:
    return Notice(planned.audience, card, key=planned.key, kind=planned.kind,
                  due_at=planned.due_at, useful_until=planned.useful_until,
                  **extra)  # type: ignore[arg-type]


def plan_cutoff_reminders(
    session: Session, config: ProgrammeConfig, start: datetime, end: datetime
) -> list[Planned]:
    """Reminders to the `reminders` places N days before each open cut-off, at the hour."""
    tz, hour = config.timezone, config.reminder_hour
    steps = sorted(set(config.reminder_days_before), reverse=True)
    days = days_at_hour_in(start, end, hour, tz)
    if not days or not steps:
        return []
    wanted = {day + timedelta(days=n) for day in days for n in steps}
    cutoffs = session.scalars(
        select(Cutoff).where(Cutoff.date.in_(sorted(wanted)), Cutoff.closed_at.is_(None))
        .order_by(Cutoff.date)
    )
    planned = []
    for cutoff in cutoffs:
        dues = [local_at(cutoff.date - timedelta(days=n), hour, tz) for n in steps]
        for index, (n, due) in enumerate(zip(steps, dues, strict=True)):
            if not in_window(due, start, end):
                continue
            # a later reminder supersedes this one: after it, this one is only noise
            until = dues[index + 1] if index + 1 < len(dues) else cutoff.closes_at
            planned.append(_cutoff_reminder(session, config, cutoff, n, due, until))
    return planned


def _cutoff_reminder(session: Session, config: ProgrammeConfig, cutoff: Cutoff, n: int,
                     due: datetime, until: datetime) -> Planned:
    day, cutoff_id = cutoff.date, cutoff.id

    def build(now: datetime) -> list[Notice]:
        card = cutoff_reminder_card(session, config, day, cutoff_id, max(now, due))
        return [notice(planned, card)]

    planned = Planned(
        key=f"cutoff:{day.isoformat()}:T-{n}", kind="reminder.cutoff", due_at=due,
        audience=Audience("places", purpose="reminders"),
        summary=f"cut-off {day.isoformat()} in {n} day{'s' * (n != 1)}",
        useful_until=until, build=build,
    )
    return planned


def cutoff_reminder_card(session: Session, config: ProgrammeConfig, day: dt.date,
                         cutoff_id: int, at: datetime) -> Card:
    """How long until the cut-off closes, seen at `at`, and how many came in so far."""
    left = (day - at.astimezone(config.timezone).date()).days
    received = session.scalar(
        select(func.count()).select_from(Application).where(Application.cutoff_id == cutoff_id)
    )
    when = "today" if left <= 0 else "tomorrow" if left == 1 else f"in {left} days"
    return Card(
        title=f"Cut-off {when}: {long_day(day)}",
        text=(f"Expressions of interest received by the end of {long_day(day)} "
              f"({config.timezone.key} time) join this cut-off.",),
        facts=(Fact("Received so far", str(received or 0)),),
        buttons=(Button("List them", f"list cutoff:{day.isoformat()}"),),
    )


def plan_cutoff_closed(
    session: Session, config: ProgrammeConfig, start: datetime, end: datetime
) -> list[Planned]:
    """When a cut-off closes: what came in, by status, to the `reminders` places."""
    cutoffs = session.scalars(
        select(Cutoff).where(Cutoff.closes_at > start, Cutoff.closes_at <= end)
        .order_by(Cutoff.closes_at)
    )
    return [_cutoff_closed(session, cutoff) for cutoff in cutoffs]


def _cutoff_closed(session: Session, cutoff: Cutoff) -> Planned:
    day, cutoff_id = cutoff.date, cutoff.id

    def build(now: datetime) -> list[Notice]:
        counts = session.execute(
            select(Application.status, func.count())
            .where(Application.cutoff_id == cutoff_id)
            .group_by(Application.status).order_by(Application.status)
        ).all()
        total = sum(n for _, n in counts)
        card = Card(
            title=f"Cut-off of {long_day(day)} closed",
            text=(f"{total} expression{'s' * (total != 1)} of interest for this cut-off.",),
            facts=tuple(Fact(status.replace("_", " "), str(n)) for status, n in counts),
            buttons=(Button("List them", f"list cutoff:{day.isoformat()}"),),
        )
        return [notice(planned, card)]

    planned = Planned(
        key=f"cutoff:{day.isoformat()}:closed", kind="reminder.cutoff_closed",
        due_at=cutoff.closes_at, audience=Audience("places", purpose="reminders"),
        summary=f"cut-off {day.isoformat()} closed: counts",
        useful_until=cutoff.closes_at + timedelta(days=3), build=build,
    )
    return planned


def evaluation_deadline(cutoff: Cutoff, config: ProgrammeConfig) -> dt.date:
    if cutoff.evaluation_deadline is not None:
        return cutoff.evaluation_deadline
    closing_day = cutoff.closes_at.astimezone(config.timezone).date()
    return closing_day + timedelta(days=config.evaluation_days)


def deadline_end(cutoff: Cutoff, config: ProgrammeConfig) -> datetime:
    return end_of_day(evaluation_deadline(cutoff, config), config.timezone)
