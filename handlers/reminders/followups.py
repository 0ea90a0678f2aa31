"""Follow-ups after a decision: applicants not yet informed, and delivery milestones.

"All applicants will be duly informed": N days after a decision (programme setting
`notify_within_days`), every applicant decided that day who has not been sent the outcome is
listed to the secretariat. Milestone reminders come from the delivery rules
(`handlers.delivery.milestones.milestone_notices`) once a day at the reminder hour.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Button, Card, Notice, Table
from handlers.reminders.plan import Planned, notice
from handlers.reminders.times import days_at_hour_in, end_of_day, local_at, long_day
from storage.models import ApplicantNotification, Application, Decision

log = logging.getLogger("s3desk.reminders")
_BUTTONS = 5


def plan_applicants_uninformed(
    session: Session, config: ProgrammeConfig, start: datetime, end: datetime
) -> list[Planned]:
    tz, hour, grace = config.timezone, config.reminder_hour, config.notify_within_days
    days = days_at_hour_in(start, end, hour, tz)
    if not days:
        return []
    first = datetime.combine(days[0] - timedelta(days=grace), dt.time.min, tzinfo=tz)
    last = end_of_day(days[-1] - timedelta(days=grace), tz)
    rows = session.execute(
        select(Decision.decided_at, Decision.outcome, Application.ref)
        .join(Application, Application.id == Decision.application_id)
        .outerjoin(ApplicantNotification,
                   ApplicantNotification.application_id == Decision.application_id)
        .where(Decision.decided_at >= first, Decision.decided_at < last,
               ApplicantNotification.sent_at.is_(None))
        .order_by(Decision.decided_at, Application.ref)
    )
    by_day: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
    for decided_at, outcome, ref in rows:
        by_day[decided_at.astimezone(tz).date()].append((ref, outcome))
    planned = []
    for decided_day, cases in sorted(by_day.items()):
        due_day = decided_day + timedelta(days=grace)
        if due_day in days:
            planned.append(_uninformed(decided_day, cases, local_at(due_day, hour, tz), grace))
    return planned


def _uninformed(decided_day: dt.date, cases: list[tuple[str, str]], due: datetime,
                grace: int) -> Planned:
    count = len(cases)

    def build(now: datetime) -> list[Notice]:
        card = Card(
            title=f"{count} applicant{'s' * (count != 1)} not yet informed",
            text=(f"Decided on {long_day(decided_day)}, {grace} days ago: every applicant "
                  "must be told the outcome.",),
            table=Table(("Case", "Decision"), tuple(cases)),
            buttons=tuple(Button(f"Open {ref}", f"show {ref}") for ref, _ in cases[:_BUTTONS]),
            tone="warning",
        )
        return [notice(planned, card)]

    planned = Planned(
        key=f"inform:{decided_day.isoformat()}", kind="reminder.applicants", due_at=due,
        audience=Audience("secretariat"),
        summary=f"{count} applicant{'s' * (count != 1)} decided {decided_day} not informed",
        useful_until=due + timedelta(days=7), build=build,
    )
    return planned


MilestoneRule = Callable[[Session, datetime, ProgrammeConfig], list[Notice]]


def milestone_rule() -> MilestoneRule | None:
    """The delivery rules' milestone notices, when that module is installed."""
    try:
        module = importlib.import_module("handlers.delivery.milestones")
    except ModuleNotFoundError as exc:
        if exc.name != "handlers.delivery.milestones":
            raise
        return None
    return getattr(module, "milestone_notices", None)


def plan_milestones(
    session: Session, config: ProgrammeConfig, start: datetime, end: datetime
) -> list[Planned]:
    rule = milestone_rule()
    days = days_at_hour_in(start, end, config.reminder_hour, config.timezone)
    if rule is None or not days:
        return []
    due = local_at(days[0], config.reminder_hour, config.timezone)

    def build(now: datetime) -> list[Notice]:
        return list(rule(session, now, config))

    return [Planned(
        key=f"milestones:{days[0].isoformat()}", kind="milestone", due_at=due,
        audience=Audience("places", purpose="reminders"),
        summary="delivery milestones due soon or overdue", useful_until=None, build=build,
        keyed=False,
    )]
