"""The weekly digest for the secretariat, Monday at the reminder hour.

It counts the open cases (index ranges per status, never the whole history), and only one
replica computes it: the sweep takes a PostgreSQL advisory lock first. It also lists the
reminders that were missed during the week, so no reminder is ever dropped in silence, and
the letters the mail server refused, so no applicant is forgotten.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Button, Card, Fact, Notice, Table
from handlers.letters.status import undelivered_summary
from handlers.reminders.plan import Planned, notice
from handlers.reminders.times import days_at_hour_in, iso_week, local_at, long_day, short_when
from storage.models import ApplicantNotification, Application, Cutoff, Decision, Place
from storage.outbox_views import count_problems, missed_between
from storage.status import FINAL, STATUSES

MONDAY = 0
INFORM_LOOKBACK = timedelta(days=365)
_MISSED_LISTED = 15


def plan_digest(
    session: Session, config: ProgrammeConfig, start: datetime, end: datetime
) -> list[Planned]:
    tz, hour = config.timezone, config.reminder_hour
    mondays = [d for d in days_at_hour_in(start, end, hour, tz) if d.weekday() == MONDAY]
    return [_digest(session, config, monday) for monday in mondays]


def _digest(session: Session, config: ProgrammeConfig, monday: dt.date) -> Planned:
    tz, hour = config.timezone, config.reminder_hour
    due = local_at(monday, hour, tz)
    week = iso_week(monday)

    def build(now: datetime) -> list[Notice]:
        return [notice(planned, digest_card(session, config, week, due))]

    planned = Planned(
        key=f"digest:{week}", kind="digest", due_at=due, audience=Audience("secretariat"),
        summary=f"weekly digest {week}",
        # still worth reading late, until the next one replaces it
        useful_until=local_at(monday + timedelta(days=7), hour, tz),
        build=build, singleton=True,
    )
    return planned


def digest_card(session: Session, config: ProgrammeConfig, week: str, due: datetime) -> Card:
    tz = config.timezone
    # open cases only: an index range per status, not a count of the whole history
    open_statuses = [s for s in STATUSES if s not in FINAL]
    counts = session.execute(
        select(Application.status, func.count()).where(Application.status.in_(open_statuses))
        .group_by(Application.status).order_by(Application.status)
    ).all()
    uninformed = session.scalar(
        select(func.count()).select_from(Decision)
        .outerjoin(ApplicantNotification,
                   ApplicantNotification.application_id == Decision.application_id)
        .where(Decision.decided_at >= due - INFORM_LOOKBACK,
               ApplicantNotification.sent_at.is_(None))
    ) or 0
    facts = [Fact(status.replace("_", " "), str(n)) for status, n in counts]
    facts.append(Fact("decided this year, applicant not informed", str(uninformed)))
    upcoming = session.execute(
        select(Cutoff.date, Cutoff.id).where(Cutoff.closed_at.is_(None), Cutoff.closes_at > due)
        .order_by(Cutoff.date).limit(1)
    ).first()
    text = [f"{sum(n for _, n in counts)} open cases."]
    if upcoming is not None:
        received = session.scalar(select(func.count()).select_from(Application)
                                  .where(Application.cutoff_id == upcoming.id)) or 0
        text.append(f"Next cut-off: {long_day(upcoming.date)}, {received} received so far.")
    missed = missed_between(session, due - timedelta(days=7), due, limit=_MISSED_LISTED)
    names = _place_names(session)
    rows = tuple(
        (short_when(row.due_at, tz), row.kind, names.get((row.platform, row.target),
                                                        f"{row.platform} {row.target}"))
        for row in missed
    )
    problems = count_problems(session)
    context = [f"{problems} failed or missed message{'s' * (problems != 1)} in the outbox."]
    undelivered, letters = undelivered_summary(session, _MISSED_LISTED)
    facts.append(Fact("letters not delivered by e-mail", str(undelivered)))
    if letters:
        # a refused address leaves an applicant uninformed: name each case until it is sent
        text.append("Letters the mail server refused (`letter REF` to check, `set REF email "
                    "ADDRESS` then `letter REF send`): " + "; ".join(letters))
    if missed:
        text.append(f"Missed last week ({len(missed)}"
                    f"{'+' if len(missed) == _MISSED_LISTED else ''}): sent too late to be "
                    "useful, so not sent.")
    else:
        text.append("No reminder was missed last week.")
    return Card(
        title=f"Weekly digest, {week}",
        text=tuple(text),
        facts=tuple(facts),
        table=Table(("Due", "What", "Where"), rows) if rows else None,
        context=tuple(context),
        buttons=(Button("Outbox problems", "outbox"), Button("Coming reminders", "reminders")),
    )


def _place_names(session: Session) -> dict[tuple[str, str], str]:
    rows = session.execute(select(Place.platform, Place.channel_id, Place.name))
    return {(p, c): f"{p} #{n}" if n else f"{p} {c}" for p, c, n in rows}
