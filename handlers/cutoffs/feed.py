"""The programme's dates as an iCalendar feed: cut-offs, reminder dates, scoring deadlines
and delivery milestones, for a calendar application to subscribe to.

Times are in the programme's time zone (with its VTIMEZONE in the feed), so a subscriber
elsewhere sees them at their own local time: a cut-off is its last hour (23:00 to midnight,
programme time), a reminder the half hour from the moment the bot posts it. Scoring
deadlines and milestones are due dates, shown as all-day events on that date. Events keep
stable UIDs, so a moved date moves the event instead of adding one. Nothing personal is in
the feed: cases appear by reference.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.cutoffs.calendar import local_day, next_calendar_date
from handlers.cutoffs.queries import long_date
from handlers.reminders.plan import evaluation_deadline, plan_cutoff_reminders
from storage.models import Application, Assignment, Cutoff, Milestone

PAST = timedelta(days=365)
AHEAD = timedelta(days=400)
REMINDER_MINUTES = 30
UID_DOMAIN = "s3desk"


def calendar_feed(session: Session, config: ProgrammeConfig, now: datetime) -> bytes:
    """The feed as iCalendar text (RFC 5545), with the dates from a year back to a year on."""
    feed = Calendar.new(prodid="-//S3 Desk//Programme dates//EN", calscale="GREGORIAN",
                        method="PUBLISH", name="S3 Desk: cut-offs, reminders, milestones",
                        refresh_interval=timedelta(hours=6), uid=f"programme@{UID_DOMAIN}")
    stamp = now.astimezone(dt.UTC)
    for event in [*_cutoffs(session, config, now), *_reminders(session, config, now),
                  *_milestones(session, config, now)]:
        event.DTSTAMP = stamp
        feed.add_component(event)
    # the zone's rules for the feed's span only: a VTIMEZONE from 1970 on is kilobytes long
    today = local_day(now, config)
    feed.add_missing_timezones(first_date=today - PAST - timedelta(days=1),
                               last_date=today + AHEAD + timedelta(days=1))
    return bytes(feed.to_ical())


def _cutoffs(session: Session, config: ProgrammeConfig, now: datetime) -> list[Event]:
    tz = config.timezone
    today = local_day(now, config)
    stored = list(session.scalars(select(Cutoff).where(
        Cutoff.date >= today - PAST, Cutoff.date <= today + AHEAD).order_by(Cutoff.date)))
    events = []
    for cutoff in stored:
        events.append(_cutoff_event(cutoff.date, config))
        if cutoff.closes_at <= now or cutoff.closed_at is not None:
            deadline = evaluation_deadline(cutoff, config)
            events.append(Event.new(
                uid=f"scores-{cutoff.date.isoformat()}@{UID_DOMAIN}",
                summary=f"Scores due: cut-off of {long_date(cutoff.date)}",
                description=f"Evaluators score the cut-off's cases by the end of this day "
                            f"({tz.key} time).",
                start=deadline, end=deadline + timedelta(days=1)))
    # calendar cut-offs are stored with their first application: the coming ones show anyway
    known = {c.date for c in stored} | {c.calendar_date for c in stored if c.calendar_date}
    day = next_calendar_date(today - timedelta(days=1), config)
    while day <= today + AHEAD:
        if day not in known:
            events.append(_cutoff_event(day, config))
        day = next_calendar_date(day, config)
    return events


def _cutoff_event(day: dt.date, config: ProgrammeConfig) -> Event:
    tz = config.timezone
    return Event.new(
        uid=f"cutoff-{day.isoformat()}@{UID_DOMAIN}",
        summary=f"Cut-off {long_date(day)} closes",
        description=f"Expressions of interest received by the end of {long_date(day)} "
                    f"({tz.key} time) join this cut-off.",
        start=datetime.combine(day, time(23), tzinfo=tz),
        end=datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz))


def _reminders(session: Session, config: ProgrammeConfig, now: datetime) -> list[Event]:
    """The cut-off reminders the bot posts to the reminder channels, as it plans them."""
    return [Event.new(uid=f"{item.key}@{UID_DOMAIN}", summary=f"Reminder: {item.summary}",
                      description="S3 Desk posts this reminder to the reminder channels.",
                      start=item.due_at, end=item.due_at + timedelta(minutes=REMINDER_MINUTES))
            for item in plan_cutoff_reminders(session, config, now - PAST, now + AHEAD)]


def _milestones(session: Session, config: ProgrammeConfig, now: datetime) -> list[Event]:
    today = local_day(now, config)
    rows = session.execute(
        select(Application.ref, Milestone.assignment_id, Milestone.key, Milestone.due_date)
        .join(Assignment, Assignment.id == Milestone.assignment_id)
        .join(Application, Application.id == Assignment.application_id)
        .where(Milestone.done_at.is_(None), Milestone.due_date >= today - PAST,
               Milestone.due_date <= today + AHEAD)
        .order_by(Milestone.due_date, Application.ref))
    return [Event.new(
        uid=f"milestone-{assignment_id}-{key}@{UID_DOMAIN}",
        summary=f"{ref}: {key.replace('_', ' ')} due",
        description=f"Delivery milestone of {ref}, due by the end of this day "
                    f"({config.timezone.key} time).",
        start=due, end=due + timedelta(days=1))
        for ref, assignment_id, key, due in rows if due is not None]
