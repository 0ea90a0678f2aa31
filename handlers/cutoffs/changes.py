"""`cutoffs add DATE` and `cutoffs move DATE NEWDATE`, and the calendar rule they keep:
every application of a cut-off still open belongs to the first cut-off closing after it
was submitted. A cut-off that has closed (or was closed early) never changes."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError, NotFound
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Outcome
from handlers.cutoffs.calendar import (
    closes_at,
    cutoff_for,
    ensure_cutoff,
    is_calendar_date,
    parse_day,
)
from handlers.reminders.late import late_cutoff, with_late
from storage.models import Application, Cutoff

commands = Commands()


def _open_cutoffs(session: Session, now: datetime) -> list[Cutoff]:
    return list(session.scalars(
        select(Cutoff).where(Cutoff.closes_at > now, Cutoff.closed_at.is_(None))
        .order_by(Cutoff.closes_at)
    ))


def realign_open(session: Session, now: datetime, config: ProgrammeConfig) -> int:
    """Move applications of open cut-offs to the first cut-off closing after their submission.

    One UPDATE per open cut-off (a handful); returns how many applications moved.
    """
    session.flush()
    cutoffs = _open_cutoffs(session, now)
    if not cutoffs:
        return 0
    ids = [c.id for c in cutoffs]
    latest = session.scalar(
        select(func.max(Application.submitted_at)).where(Application.cutoff_id.in_(ids))
    )
    if latest is not None and latest >= cutoffs[-1].closes_at:
        # the last cut-off moved earlier than some submissions: the calendar takes them
        cutoff_for(session, latest, config)
        cutoffs = _open_cutoffs(session, now)
        ids = [c.id for c in cutoffs]
    moved = 0
    opened_after: datetime | None = None
    for cutoff in cutoffs:
        where = [Application.cutoff_id.in_(ids), Application.cutoff_id != cutoff.id,
                 Application.submitted_at < cutoff.closes_at]
        if opened_after is not None:
            where.append(Application.submitted_at >= opened_after)
        result = session.execute(
            update(Application).where(*where)
            .values(cutoff_id=cutoff.id, version=Application.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        moved += result.rowcount or 0  # type: ignore[attr-defined]
        opened_after = cutoff.closes_at
    return moved


def _find(session: Session, day: dt.date) -> Cutoff:
    found = session.scalar(select(Cutoff).where(Cutoff.date == day).with_for_update(of=Cutoff))
    if found is None:
        raise NotFound(f"No cut-off on {day.isoformat()}: type `cutoffs` to see them.")
    return found


@commands.command("cutoffs add", usage="cutoffs add DATE", roles=SECRETARIAT, writes=True,
                  summary="add a cut-off; earlier submissions join it")
def add_cutoff(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if not args.positional:
        raise CommandError("give the date, e.g. `cutoffs add 2027-02-15`")
    day = parse_day(args.positional[0])
    if closes_at(day, ctx.config) <= ctx.now:
        raise CommandError(f"{day.isoformat()} has already ended; a cut-off must be today or "
                           "later", show_usage=False)
    if ctx.session.scalar(select(Cutoff.id).where(Cutoff.date == day)) is not None:
        raise CommandError(f"there is already a cut-off on {day.isoformat()}", show_usage=False)
    slot_taken = ctx.session.scalar(select(Cutoff.id).where(Cutoff.calendar_date == day))
    on_calendar = is_calendar_date(day, ctx.config) and slot_taken is None
    ensure_cutoff(ctx.session, day, ctx.config, calendar_date=day if on_calendar else None)
    moved = realign_open(ctx.session, ctx.now, ctx.config)
    ctx.audit("cutoff", day.isoformat(), "add", None,
              {"date": day.isoformat(), "applications_moved": moved})
    added = _find(ctx.session, day)
    late = late_cutoff(ctx.session, ctx.config, added, ctx.now, "cut-off added")
    return with_late(Outcome(Card(
        title=f"Cut-off added: {day.isoformat()}",
        facts=(Fact("Closes", _closing(day, ctx.config)),
               Fact("Applications moved to it", str(moved))),
        tone="success")), late, always=True)


@commands.command("cutoffs move", usage="cutoffs move DATE NEWDATE", roles=SECRETARIAT,
                  writes=True,
                  summary="move a cut-off that has not passed; its applications follow")
def move_cutoff(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=2)
    if len(args.positional) < 2:
        raise CommandError("give the cut-off's date and its new date, e.g. "
                           "`cutoffs move 2027-03-31 2027-04-15`")
    old_day, new_day = parse_day(args.positional[0]), parse_day(args.positional[1])
    cutoff = _find(ctx.session, old_day)
    _check_move(ctx, cutoff, new_day)
    shift = new_day - old_day
    before = _dates(cutoff)
    cutoff.date = new_day
    cutoff.closes_at = closes_at(new_day, ctx.config)
    cutoff.evaluation_deadline = _shifted(cutoff.evaluation_deadline, shift) or (
        new_day + timedelta(days=ctx.config.evaluation_days))
    cutoff.decision_deadline = _shifted(cutoff.decision_deadline, shift)
    moved = realign_open(ctx.session, ctx.now, ctx.config)
    ctx.audit("cutoff", old_day.isoformat(), "move", before,
              {**_dates(cutoff), "applications_moved": moved})
    late = late_cutoff(ctx.session, ctx.config, cutoff, ctx.now, "cut-off moved")
    return with_late(Outcome(Card(
        title=f"Cut-off moved: {old_day.isoformat()} → {new_day.isoformat()}",
        facts=(Fact("Closes", _closing(new_day, ctx.config)),
               Fact("Evaluation deadline", str(cutoff.evaluation_deadline)),
               Fact("Applications that changed cut-off", str(moved))),
        tone="success")), late, always=True)


def _check_move(ctx: Context, cutoff: Cutoff, new_day: dt.date) -> None:
    old_day = cutoff.date
    if cutoff.closes_at <= ctx.now or cutoff.closed_at is not None:
        raise CommandError(f"the cut-off of {old_day.isoformat()} has closed; it cannot move",
                           show_usage=False)
    if new_day == old_day:
        raise CommandError(f"the cut-off is already on {old_day.isoformat()}", show_usage=False)
    if closes_at(new_day, ctx.config) <= ctx.now:
        raise CommandError(f"{new_day.isoformat()} has already ended; move the cut-off to "
                           "today or later", show_usage=False)
    low, high = sorted((old_day, new_day))
    between = ctx.session.scalar(
        select(Cutoff.date).where(Cutoff.date >= low, Cutoff.date <= high, Cutoff.id != cutoff.id)
        .order_by(Cutoff.date).limit(1)
    )
    if between is not None:
        raise CommandError(f"there is a cut-off on {between.isoformat()}: a cut-off cannot move "
                           "onto or past another one", show_usage=False)


def _shifted(day: dt.date | None, shift: timedelta) -> dt.date | None:
    return None if day is None else day + shift


def _dates(cutoff: Cutoff) -> dict[str, str | None]:
    return {"date": cutoff.date.isoformat(), "closes_at": cutoff.closes_at.isoformat(),
            "evaluation_deadline": str(cutoff.evaluation_deadline) if cutoff.evaluation_deadline
            else None}


def _closing(day: dt.date, config: ProgrammeConfig) -> str:
    return f"end of {day.isoformat()} ({config.timezone.key} time)"
