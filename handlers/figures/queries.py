"""The programme's figures, each one grouped SQL query over the whole store.

Approval rate is approvals over decisions on merit (approve, reject, reserve; screening's
`ineligible` is not a decision on merit). A priority region is one whose less developed
category was confirmed at screening, or for which the applicant declared a specific challenge.
No figure reads the scores table: individual evaluators' scores never reach these numbers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import (
    ApplicantNotification,
    Application,
    Assignment,
    Cutoff,
    Decision,
)

MERIT_OUTCOMES = ("approve", "reject", "reserve")


@dataclass
class Figures:
    # (cut-off date, status, count), by date then status
    per_cutoff: list[tuple[dt.date, str, int]] = field(default_factory=list)
    applications: int = 0
    priority: int = 0
    decided: int = 0
    approved: int = 0
    approved_priority: int = 0
    days_to_decision: float | None = None
    days_to_informed: float | None = None
    informed: int = 0
    by_topic: list[tuple[str, int]] = field(default_factory=list)
    by_country: list[tuple[str, int]] = field(default_factory=list)

    @property
    def approval_rate(self) -> float | None:
        return self.approved / self.decided if self.decided else None


def _epoch_seconds(session: Session, instant: Any) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", instant)
    return (func.julianday(instant) - 2440587.5) * 86400.0


def _has_challenges(session: Session, column: InstrumentedAttribute[Any]) -> ColumnElement[bool]:
    length = (func.jsonb_array_length if session.get_bind().dialect.name == "postgresql"
              else func.json_array_length)
    return func.coalesce(length(column), 0) > 0


def priority_condition(session: Session) -> ColumnElement[bool]:
    return (Application.cohesion_confirmed == "less_developed") | _has_challenges(
        session, Application.challenges)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _sum_if(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def pipeline_figures(session: Session) -> Figures:
    """All figures from one grouped pass over applications (with their decision and letter)."""
    priority = priority_condition(session)
    merit = Decision.outcome.in_(MERIT_OUTCOMES)
    approve = Decision.outcome == "approve"
    sent = ApplicantNotification.sent_at.is_not(None)
    groups = session.execute(
        select(Application.cutoff_id, Application.status, func.count(), _count_if(priority),
               _count_if(merit), _count_if(approve), _count_if(approve & priority),
               _sum_if(merit, _epoch_seconds(session, Decision.decided_at)),
               _count_if(sent),
               _sum_if(sent, _epoch_seconds(session, ApplicantNotification.sent_at)))
        .select_from(Application)
        .outerjoin(Decision, Decision.application_id == Application.id)
        .outerjoin(ApplicantNotification, ApplicantNotification.application_id == Application.id)
        .group_by(Application.cutoff_id, Application.status)
    ).all()
    cutoffs = {cid: (date, closes) for cid, date, closes in session.execute(
        select(Cutoff.id, Cutoff.date, Cutoff.closes_at))}
    figures = Figures()
    decision_seconds = informed_seconds = 0.0
    for cid, status, n, prio, decided, approved, approved_prio, decided_at, informed, sent_at \
            in groups:
        date, closes = cutoffs[cid]
        figures.per_cutoff.append((date, status, int(n)))
        figures.applications += int(n)
        figures.priority += int(prio)
        figures.decided += int(decided)
        figures.approved += int(approved)
        figures.approved_priority += int(approved_prio)
        figures.informed += int(informed)
        # every row of a group shares its cut-off, so its closing instant comes off once per row
        decision_seconds += float(decided_at) - int(decided) * closes.timestamp()
        informed_seconds += float(sent_at) - int(informed) * closes.timestamp()
    figures.per_cutoff.sort()
    if figures.decided:
        figures.days_to_decision = decision_seconds / figures.decided / 86400
    if figures.informed:
        figures.days_to_informed = informed_seconds / figures.informed / 86400
    figures.by_topic = _assignments_by(session, Application.topic)
    figures.by_country = _assignments_by(session, Application.country_code)
    return figures


def _assignments_by(session: Session, column: InstrumentedAttribute[str]) -> list[tuple[str, int]]:
    rows = session.execute(
        select(column, func.count())
        .select_from(Assignment)
        .join(Application, Application.id == Assignment.application_id)
        .group_by(column)
        .order_by(func.count().desc(), column)
    )
    return [(key, int(n)) for key, n in rows]
