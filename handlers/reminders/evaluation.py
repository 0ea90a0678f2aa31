"""Evaluation reminders: nudge evaluators before the deadline, tell the secretariat after it.

Each evaluator with unscored assignments gets one direct message listing them, 3 days and
1 day before the cut-off's evaluation deadline; the morning after the deadline the
secretariat gets the list of what is still missing, by evaluator. Nothing here shows a
score: an evaluator sees only their own unscored cases.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Button, Card, Notice, Table
from handlers.reminders.plan import Planned, deadline_end, evaluation_deadline, notice
from handlers.reminders.times import days_at_hour_in, in_window, local_at, long_day
from storage.models import (
    Application,
    ConflictDeclaration,
    Cutoff,
    EvaluatorAssignment,
    Person,
    Score,
)

NUDGE_DAYS_BEFORE = (3, 1)
# cut-offs older than this are long decided; their deadlines are not looked at
_LOOKBACK = timedelta(days=400)
_BUTTONS = 5
# references a reminder lists before it only counts the rest
LISTED = 10


@dataclass(frozen=True)
class Unscored:
    total: int
    # the first few references, in order; a message lists these and counts the rest
    refs: tuple[str, ...]

    def listed(self) -> str:
        more = self.total - len(self.refs)
        return ", ".join(self.refs) + (f" and {more} more" if more > 0 else "")


def _waiting(cutoff_id: int) -> Select[int, int, str]:
    """Active, unconflicted assignments of the cut-off in evaluation that have no score."""
    assignment = EvaluatorAssignment
    conflicted = exists().where(
        ConflictDeclaration.application_id == assignment.application_id,
        ConflictDeclaration.person_id == assignment.person_id,
    )
    return (
        select(assignment.person_id, assignment.application_id, Application.ref)
        .join(Application, Application.id == assignment.application_id)
        .outerjoin(Score, and_(Score.application_id == assignment.application_id,
                               Score.person_id == assignment.person_id))
        .where(Application.cutoff_id == cutoff_id, Application.status == "in_evaluation",
               assignment.active.is_(True), Score.id.is_(None), ~conflicted)
    )


def unscored_by_evaluator(session: Session, cutoff_id: int) -> dict[int, Unscored]:
    """Per evaluator: how many cases of the cut-off await their score, and the first few.

    The database counts and trims (a window function), so a cut-off of thousands of cases
    sends back a few rows per evaluator, not one per assignment.
    """
    waiting = _waiting(cutoff_id).subquery()
    ranked = select(
        waiting.c.person_id, waiting.c.ref,
        func.row_number().over(partition_by=waiting.c.person_id,
                               order_by=waiting.c.ref).label("place"),
        func.count().over(partition_by=waiting.c.person_id).label("total"),
    ).subquery()
    rows = session.execute(
        select(ranked.c.person_id, ranked.c.ref, ranked.c.total)
        .where(ranked.c.place <= LISTED).order_by(ranked.c.person_id, ranked.c.place)
    )
    refs: dict[int, list[str]] = defaultdict(list)
    totals: dict[int, int] = {}
    for person_id, ref, total in rows:
        refs[person_id].append(ref)
        totals[person_id] = int(total)
    return {p: Unscored(totals[p], tuple(refs[p])) for p in refs}


def evaluators_waiting_on(session: Session, app: Application) -> list[int]:
    """Evaluators of one case in evaluation who have not scored it."""
    waiting = _waiting(app.cutoff_id).where(EvaluatorAssignment.application_id == app.id)
    return sorted({row.person_id for row in session.execute(waiting)})


def plan_evaluation(
    session: Session, config: ProgrammeConfig, start: datetime, end: datetime
) -> list[Planned]:
    tz, hour = config.timezone, config.reminder_hour
    days = days_at_hour_in(start, end, hour, tz)
    if not days:
        return []
    cutoffs = session.scalars(
        select(Cutoff).where(Cutoff.closed_at.is_not(None), Cutoff.date >= days[0] - _LOOKBACK)
        .order_by(Cutoff.date)
    )
    planned: list[Planned] = []
    for cutoff in cutoffs:
        deadline = evaluation_deadline(cutoff, config)
        steps = sorted(NUDGE_DAYS_BEFORE, reverse=True)
        dues = [local_at(deadline - timedelta(days=n), hour, tz) for n in steps]
        escalate_at = local_at(deadline + timedelta(days=1), hour, tz)
        nudges = [(i, n, due) for i, (n, due) in enumerate(zip(steps, dues, strict=True))
                  if in_window(due, start, end)]
        escalate = in_window(escalate_at, start, end)
        if not nudges and not escalate:
            continue
        unscored = unscored_by_evaluator(session, cutoff.id)
        if not unscored:
            continue
        for i, n, due in nudges:
            until = dues[i + 1] if i + 1 < len(dues) else deadline_end(cutoff, config)
            for person_id, waiting in unscored.items():
                planned.append(_nudge(cutoff, deadline, person_id, waiting, n, due, until))
        if escalate:
            planned.append(_escalation(session, cutoff, deadline, unscored, escalate_at))
    return planned


def _nudge(cutoff: Cutoff, deadline: dt.date, person_id: int, waiting: Unscored, n: int,
           due: datetime, until: datetime) -> Planned:
    day = cutoff.date.isoformat()
    count = waiting.total

    def build(now: datetime) -> list[Notice]:
        card = Card(
            title=f"{count} application{'s' * (count != 1)} to score by {long_day(deadline)}",
            text=(f"Still waiting for your scores: {waiting.listed()}.",),
            context=("If you have a conflict of interest, declare it with `coi REF`.",),
            buttons=tuple(Button(f"Open {ref}", f"show {ref}")
                          for ref in waiting.refs[:_BUTTONS]),
            tone="warning" if n <= 1 else "info",
        )
        return [notice(planned, card)]

    planned = Planned(
        key=f"evaluation:{day}:{person_id}:T-{n}", kind="reminder.evaluation", due_at=due,
        audience=Audience("person", person_id=person_id),
        summary=f"evaluator nudge ({count} to score), deadline in {n} day{'s' * (n != 1)}",
        useful_until=until, build=build,
    )
    return planned


def _escalation(session: Session, cutoff: Cutoff, deadline: dt.date,
                unscored: dict[int, Unscored], due: datetime) -> Planned:
    day = cutoff.date.isoformat()
    missing = sum(waiting.total for waiting in unscored.values())

    def build(now: datetime) -> list[Notice]:
        names = {person_id: name for person_id, name in session.execute(
            select(Person.id, Person.name).where(Person.id.in_(list(unscored))))}
        rows = tuple(
            (names.get(person_id, f"#{person_id}"), str(waiting.total), waiting.listed())
            for person_id, waiting in sorted(unscored.items(),
                                             key=lambda item: names.get(item[0], ""))
        )
        card = Card(
            title=f"Evaluation overdue: cut-off of {long_day(cutoff.date)}",
            text=(f"Scores were due by {long_day(deadline)}; {missing} "
                  f"score{'s' * (missing != 1)} still missing.",),
            table=Table(("Evaluator", "Missing", "Cases"), rows),
            buttons=(Button("Cases in evaluation", f"list status:in_evaluation cutoff:{day}"),),
            tone="warning",
        )
        return [notice(planned, card)]

    planned = Planned(
        key=f"evaluation:{day}:overdue", kind="reminder.escalation", due_at=due,
        audience=Audience("secretariat"),
        summary=f"evaluation of cut-off {day} overdue ({missing} scores missing)",
        useful_until=due + timedelta(days=7), build=build,
    )
    return planned
