"""Milestones of an assignment: `milestone REF KEY done|due DATE`, and their reminders.

The agreed work plan moves a case from co-design into delivery; closure completes it.
`milestone_notices` is what a scheduler tick asks for: one notice per milestone due soon and
one once it is overdue, each keyed on the due date so moving the date announces it anew.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Button, Card, Notice, Outcome
from handlers.delivery.expert_assignment import advance, assignment_of
from handlers.delivery.milestone_dates import check_due
from handlers.experts.queries import ACTIVE_CASE_STATUSES
from handlers.reminders.late import Late, late_milestone, with_late
from storage.models import MILESTONES, Application, Assignment, Expert, Milestone

commands = Commands()

USAGE = f"milestone REF KEY done|due YYYY-MM-DD (keys: {', '.join(MILESTONES)})"


def milestone_state(milestone: Milestone, today: dt.date) -> str:
    if milestone.done_at is not None:
        return "done"
    if milestone.due_date is None:
        return "open"
    return "overdue" if milestone.due_date < today else "due"


@commands.command("milestone", usage=USAGE, summary="mark a milestone done or move its date",
                  roles=SECRETARIAT, writes=True)
def milestone(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=4)
    if len(args.positional) < 3:
        raise CommandError("Give the reference, the milestone and `done` or `due DATE`.")
    ref, key, action = args.positional[0], args.positional[1].lower(), args.positional[2].lower()
    if key not in MILESTONES:
        raise CommandError(f"`{key}` is not a milestone ({', '.join(MILESTONES)}).")
    if action not in ("done", "due"):
        raise CommandError(f"`{action}`: say `done` or `due DATE`.")
    app = get_application(ctx.session, ref, for_update=True)
    assignment = assignment_of(ctx, app)
    row = ctx.session.scalar(select(Milestone).where(
        Milestone.assignment_id == assignment.id, Milestone.key == key))
    if row is None:
        row = Milestone(assignment_id=assignment.id, key=key)
        ctx.session.add(row)
    before = {"due_date": _iso(row.due_date), "done_at": _iso(row.done_at)}
    late = Late()
    if action == "due":
        day = _date(args.positional[3] if len(args.positional) > 3 else "")
        check_due(assignment, key, day, _milestones_of(ctx, assignment), ctx.config.timezone,
                  app.ref)
        row.due_date = day
        said = f"{key} of {app.ref} is now due on {row.due_date.isoformat()}."
        late = late_milestone(ctx.session, ctx.config, ctx.now, app.ref, key,
                              milestone_notices)
    else:
        if len(args.positional) > 3:
            raise CommandError(f"unexpected `{args.positional[3]}`")
        if row.done_at is not None:
            raise CommandError(f"{key} of {app.ref} was already done on "
                               f"{row.done_at.astimezone(ctx.config.timezone).date()}.",
                               show_usage=False)
        said = _mark_done(ctx, app, assignment, row)
    ctx.audit("milestone", f"{app.ref}:{key}", action, before,
              {"due_date": _iso(row.due_date), "done_at": _iso(row.done_at)})
    return with_late(Outcome(Card(title=f"Milestone {key} of {app.ref}", text=(said,),
                                  tone="success",
                                  buttons=(Button("Show case", f"show {app.ref}"),))), late)


def _milestones_of(ctx: Context, assignment: Assignment) -> list[Milestone]:
    return list(ctx.session.scalars(select(Milestone)
                                    .where(Milestone.assignment_id == assignment.id)))


def _mark_done(ctx: Context, app: Application, assignment: Assignment, row: Milestone) -> str:
    if row.key == "closure" and app.status != "in_delivery":
        raise CommandError(f"{app.ref} is `{app.status}`: mark the work plan done before "
                           "closing the assignment.", show_usage=False)
    row.done_at = ctx.now
    said = f"{row.key} of {app.ref} is done."
    if row.key == "work_plan" and app.status == "co_design":
        advance(ctx, app, "in_delivery", "work plan agreed")
        said += " The work plan is agreed: the case is now in delivery."
    elif row.key == "closure":
        advance(ctx, app, "completed", "assignment closed")
        assignment.completed_at = ctx.now
        said += " The assignment is completed."
    return said


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"`{text}` is not a date like 2027-01-31.") from None


def _iso(value: dt.date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def milestone_notices(session: Session, now: datetime, config: ProgrammeConfig) -> list[Notice]:
    """Notices for open milestones of active assignments that are due soon or overdue."""
    today = now.astimezone(config.timezone).date()
    horizon = today + timedelta(days=config.milestone_warning_days)
    rows = session.execute(
        select(Milestone.key, Milestone.due_date, Application.ref, Expert.name, Expert.person_id)
        .join(Assignment, Assignment.id == Milestone.assignment_id)
        .join(Application, Application.id == Assignment.application_id)
        .outerjoin(Expert, Expert.id == Assignment.expert_id)
        .where(Application.status.in_(ACTIVE_CASE_STATUSES), Milestone.done_at.is_(None),
               Milestone.due_date.is_not(None), Milestone.due_date <= horizon)
        .order_by(Milestone.due_date, Application.ref, Milestone.id)
    ).all()
    notices: list[Notice] = []
    for key, due, ref, expert_name, person_id in rows:
        if due is None:  # excluded by the query; keeps the type checker sure
            continue
        overdue = due < today
        state = "overdue" if overdue else "due_soon"
        if overdue:
            late = (today - due).days
            line = f"{key} of {ref} was due on {due.isoformat()} ({late} days late)."
        else:
            line = f"{key} of {ref} is due on {due.isoformat()} ({(due - today).days} days left)."
        card = Card(title=f"Milestone {'overdue' if overdue else 'due soon'}: {ref}",
                    text=(line,), context=(f"Expert: {expert_name or 'none'}",),
                    buttons=(Button("Mark done", f"milestone {ref} {key} done"),),
                    tone="warning" if overdue else "info")
        dedupe = f"milestone:{ref}:{key}:{state}:{due.isoformat()}"
        notices.append(Notice(Audience("places", purpose="reminders"), card, key=dedupe,
                              kind="milestone", thread_key=f"case:{ref}"))
        if person_id is not None:
            notices.append(Notice(Audience("person", person_id=person_id), card,
                                  key=f"{dedupe}:expert", kind="milestone"))
    return notices
