"""Closing a cut-off: its eligible applications move to evaluation, in one transaction.

The secretariat runs `cutoff close DATE`; the scheduler's tick calls `close_due_cutoffs`.
Both end in `close_cutoff`, which locks the cut-off row so two callers never close it twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core import fanout
from handlers.core.audit import Audit, Auditor, move_status
from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Card, Fact, Notice, Outcome
from handlers.cutoffs.queries import applications_of, find_cutoff, long_date
from handlers.evaluation.notices import opening_notice
from handlers.evaluation.panel import progress_of
from storage.models import Application, Cutoff

commands = Commands()

NOT_SCREENED = ("received", "screening")


@dataclass
class CloseReport:
    cutoff_date: dt.date
    moved: list[str] = field(default_factory=list)
    not_screened: list[str] = field(default_factory=list)
    already_closed: bool = False
    notices: list[Notice] = field(default_factory=list)

    def facts(self) -> tuple[Fact, ...]:
        return (
            Fact("Now in evaluation", ", ".join(self.moved) or "none"),
            Fact("Not screened", ", ".join(self.not_screened) or "none"),
        )


def open_evaluation(session: Session, app: Application, config: ProgrammeConfig,
                    audit: Audit) -> Notice:
    """Move one eligible case to evaluation; returns the root post of its case thread."""
    move_status(app, "in_evaluation", audit)
    return opening_notice(app, progress_of(session, app, config))


def close_cutoff(
    session: Session,
    cutoff: Cutoff,
    now: datetime,
    actor_id: int | None,
    *,
    config: ProgrammeConfig,
    audit: Audit | None = None,
) -> CloseReport:
    """Mark the cut-off closed and open evaluation for its eligible cases; idempotent."""
    audit = audit or Auditor(session, now, actor_id,
                             "scheduler" if actor_id is None else "close_cutoff")
    session.refresh(cutoff, with_for_update={"of": Cutoff})
    report = CloseReport(cutoff.date)
    if cutoff.closed_at is not None:
        report.already_closed = True
        report.not_screened = [a.ref for a in applications_of(session, cutoff, *NOT_SCREENED)]
        return report
    before = {"closed_at": None, "evaluation_deadline": _iso(cutoff.evaluation_deadline)}
    cutoff.closed_at = now
    if cutoff.evaluation_deadline is None:
        closing_day = cutoff.closes_at.astimezone(config.timezone).date()
        cutoff.evaluation_deadline = closing_day + dt.timedelta(days=config.evaluation_days)
    audit("cutoff", cutoff.date.isoformat(), "close", before,
          {"closed_at": now.isoformat(), "evaluation_deadline": _iso(cutoff.evaluation_deadline)})
    for app in applications_of(session, cutoff, "eligible"):
        report.notices.append(open_evaluation(session, app, config, audit))
        report.moved.append(app.ref)
    report.not_screened = [a.ref for a in applications_of(session, cutoff, *NOT_SCREENED)]
    return report


def close_due_cutoffs(session: Session, now: datetime,
                      config: ProgrammeConfig) -> list[CloseReport]:
    """Close every cut-off whose closing instant has passed. The notices are scheduled into
    the outbox here (insert-if-absent, so scheduling them again changes nothing)."""
    due = list(session.scalars(
        select(Cutoff).where(Cutoff.closes_at <= now, Cutoff.closed_at.is_(None))
        .order_by(Cutoff.date)
    ))
    reports = []
    for cutoff in due:
        report = close_cutoff(session, cutoff, now, None, config=config)
        if report.already_closed:
            continue
        report.notices.append(Notice(
            Audience("secretariat"),
            Card(title=f"Cut-off of {long_date(report.cutoff_date)} closed",
                 facts=report.facts(),
                 context=(f"Next: `assign cutoff:{report.cutoff_date.isoformat()} auto`",)),
            key=f"cutoff:{report.cutoff_date.isoformat()}:closed", kind="cutoff_closed",
        ))
        fanout.schedule(session, report.notices, now)
        reports.append(report)
    return reports


@commands.command("cutoff close", usage='cutoff close DATE [early:"reason"]',
                  summary="close a cut-off: its eligible cases go to evaluation",
                  roles=SECRETARIAT, writes=True)
def close_command(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"early"}, max_positional=1)
    if not args.positional:
        raise CommandError("name the cut-off date, e.g. `cutoff close 2026-12-31`")
    cutoff = find_cutoff(ctx.session, args.positional[0])
    early = args.options.get("early", "").strip()
    if cutoff.closed_at is None and cutoff.closes_at > ctx.now and not early:
        closes = cutoff.closes_at.astimezone(ctx.config.timezone)
        raise CommandError(f"this cut-off closes on {closes:%Y-%m-%d %H:%M %Z}; to close it "
                           f'before then give a reason: early:"..."', show_usage=False)
    report = close_cutoff(ctx.session, cutoff, ctx.now, ctx.actor.person_id,
                          config=ctx.config, audit=ctx.audit)
    if report.already_closed:
        raise CommandError(f"the cut-off of {long_date(cutoff.date)} is already closed "
                           f"(not screened: {', '.join(report.not_screened) or 'none'})",
                           show_usage=False)
    if early and cutoff.closes_at > ctx.now:
        ctx.audit("cutoff", cutoff.date.isoformat(), "close_early", None, {"reason": early})
    day = cutoff.date.isoformat()
    context = [f"Next: `assign cutoff:{day} auto` picks evaluators."]
    if report.not_screened:
        context.append("Not screened cases stay out until `eligible REF` or `ineligible REF "
                       "REASON`; made eligible now, they go straight to evaluation.")
    return Outcome(Card(title=f"Cut-off of {long_date(cutoff.date)} closed",
                        facts=report.facts(), context=tuple(context), tone="success"),
                   notices=tuple(report.notices))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
