"""Following delivery: the `assignments` overview and the delivery part of the case card."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from handlers.cases.card import CaseView, case_section
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import READERS, Commands
from handlers.core.types import Actor, Button, Card, Fact, Outcome, Pager, Table
from handlers.delivery.milestone_dates import pressing
from handlers.experts.queries import ACTIVE_CASE_STATUSES
from storage.models import MILESTONES, Application, Assignment, Expert, Milestone, Role

commands = Commands()

_ORDER = {key: i for i, key in enumerate(MILESTONES)}


@dataclass(frozen=True)
class DeliveryLine:
    ref: str
    region_code: str
    status: str
    expert: str
    next_key: str | None
    next_due: dt.date | None
    days_late: int


def _sorted_milestones(rows: list[Milestone]) -> list[Milestone]:
    return sorted(rows, key=lambda m: (_ORDER.get(m.key, len(_ORDER)), m.id))


def delivery_lines(session: Session, today: dt.date) -> list[DeliveryLine]:
    """Every assignment in co-design or delivery, most late first."""
    rows = session.execute(
        select(Assignment.id, Application.ref, Application.region_code, Application.status,
               Expert.name)
        .join(Application, Application.id == Assignment.application_id)
        .outerjoin(Expert, Expert.id == Assignment.expert_id)
        .where(Application.status.in_(ACTIVE_CASE_STATUSES))
    ).all()
    by_assignment: dict[int, list[Milestone]] = {}
    if rows:
        for m in session.scalars(select(Milestone).where(
                Milestone.assignment_id.in_([r.id for r in rows]))):
            by_assignment.setdefault(m.assignment_id, []).append(m)
    lines = []
    for row in rows:
        # the most overdue open milestone, or the next one due: never an earlier step
        # that is on time while a later one is weeks late
        nxt, late = pressing(_sorted_milestones(by_assignment.get(row.id, [])), today)
        due = nxt.due_date if nxt else None
        lines.append(DeliveryLine(row.ref, row.region_code, row.status, row.name or "—",
                                  nxt.key if nxt else None, due, late))
    far = dt.date.max
    lines.sort(key=lambda x: (-x.days_late, x.next_due or far, x.ref))
    return lines


@commands.command("assignments", usage="assignments [page:N]",
                  summary="assignments in co-design and delivery, most late first",
                  roles=READERS)
def assignments(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"page"}, max_positional=0)
    lines = delivery_lines(ctx.session, ctx.local_now.date())
    size = ctx.config.page_size
    pages = max(1, -(-len(lines) // size))
    raw = args.options.get("page", "1")
    if not raw.isdigit() or not 1 <= int(raw) <= pages:
        raise CommandError(f"page must be a number from 1 to {pages}")
    page = int(raw)
    shown = lines[(page - 1) * size: page * size]
    rows = tuple(
        (x.ref, x.region_code, x.expert, x.status, x.next_key or "all done",
         x.next_due.isoformat() if x.next_due else "—", str(x.days_late))
        for x in shown
    )
    late = sum(1 for x in lines if x.days_late > 0)
    return Outcome(Card(
        title=f"Assignments in co-design and delivery ({len(lines)})",
        table=Table(("Ref", "Region", "Expert", "Status", "Milestone", "Due", "Days late"),
                    rows) if rows else None,
        text=() if rows else ("No assignment is in co-design or delivery.",),
        context=(f"{late} late. Each shows its most overdue open milestone, or the next one "
                 "due.",) if lines else (),
        pager=Pager(page, pages, len(lines),
                    f"assignments page:{page - 1}" if page > 1 else None,
                    f"assignments page:{page + 1}" if page < pages else None),
        tone="warning" if late else "info",
    ))


# every case card asks: built once
_ASSIGNMENT_OF = select(Assignment).where(Assignment.application_id == bindparam("application_id"))
# an expert is assigned only once a case is approved, and a decided case cannot go back to
# these: their cards need not ask
BEFORE_ANY_ASSIGNMENT = frozenset({"received", "screening", "eligible", "ineligible",
                                   "in_evaluation", "scored", "withdrawn"})


@case_section(60)
def delivery_section(session: Session, app: Application, viewer: Actor | None,
                     view: CaseView) -> None:
    """Expert, parties and milestones: facts the four parties share, no scores."""
    if app.status in BEFORE_ANY_ASSIGNMENT:
        return
    assignment = session.scalar(_ASSIGNMENT_OF, {"application_id": app.id})
    if assignment is None:
        matchable = app.status in ("approved", "expert_matching")
        if matchable and viewer and viewer.has(Role.SECRETARIAT):
            view.buttons.append(Button("Match experts", f"match {app.ref}", "primary"))
        return
    expert = session.get(Expert, assignment.expert_id) if assignment.expert_id else None
    view.facts.append(Fact("Expert", expert.name if expert else "to be named"))
    view.facts.append(Fact("Co-design", " · ".join((
        f"DG REGIO: {assignment.dg_regio_officer or 'to be named'}",
        f"Region: {assignment.region_contact or 'to be named'}",
        f"Secretariat: {assignment.secretariat_lead or 'to be named'}"))))
    milestones = _sorted_milestones(list(session.scalars(
        select(Milestone).where(Milestone.assignment_id == assignment.id))))
    view.text.append("Milestones: " + "; ".join(
        _milestone_text(m) for m in milestones))


def _milestone_text(m: Milestone) -> str:
    # the card has no clock of its own: it shows dates; `assignments` says who is late
    if m.done_at is not None:
        return f"{m.key} done {m.done_at.date().isoformat()}"
    return f"{m.key} due {m.due_date.isoformat() if m.due_date else '(no date)'}"
