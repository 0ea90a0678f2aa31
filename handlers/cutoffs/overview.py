"""`cutoffs`: past and coming cut-offs with how many applications each holds, per stage."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.parse import Args
from handlers.core.registry import KNOWN, Commands
from handlers.core.types import Card, Outcome, Table
from handlers.cutoffs.calendar import calendar_date_on_or_after, local_day
from storage.models import Application, Cutoff

commands = Commands()

PAST_SHOWN = 4
COMING_SHOWN = 8
# stage shown in the table -> statuses counted in it
STAGES: dict[str, tuple[str, ...]] = {
    "Intake": ("received", "screening", "eligible"),
    "Evaluation": ("in_evaluation", "scored"),
    "Approved": ("approved", "expert_matching", "co_design", "in_delivery", "completed"),
    "Reserve": ("reserve",),
    "Declined": ("rejected", "ineligible"),
    "Withdrawn": ("withdrawn",),
}
STAGE_OF = {status: stage for stage, statuses in STAGES.items() for status in statuses}


def shown_cutoffs(session: Session, now: datetime) -> tuple[list[Cutoff], list[Cutoff]]:
    """The last closed cut-offs (newest last) and the coming ones, soonest first."""
    past = list(session.scalars(
        select(Cutoff).where(Cutoff.closes_at <= now)
        .order_by(Cutoff.closes_at.desc()).limit(PAST_SHOWN)
    ))
    coming = list(session.scalars(
        select(Cutoff).where(Cutoff.closes_at > now)
        .order_by(Cutoff.closes_at).limit(COMING_SHOWN)
    ))
    return past[::-1], coming


def stage_counts(session: Session, ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if not ids:
        return counts
    rows = session.execute(
        select(Application.cutoff_id, Application.status, func.count())
        .where(Application.cutoff_id.in_(ids))
        .group_by(Application.cutoff_id, Application.status)
    )
    for cutoff_id, status, count in rows:
        counts[cutoff_id][STAGE_OF.get(status, "Intake")] += count
    return counts


def _state(cutoff: Cutoff, now: datetime, current: Cutoff | None, upcoming: Cutoff | None) -> str:
    if cutoff is current:
        return "current (closed, in work)"
    if cutoff is upcoming:
        return "next (open)"
    if cutoff.closes_at <= now:
        return "closed"
    return "early close" if cutoff.closed_at is not None else "coming"


@commands.command("cutoffs", usage="cutoffs", roles=KNOWN,
                  summary="past and coming cut-offs with their applications per stage")
def list_cutoffs(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=0)
    past, coming = shown_cutoffs(ctx.session, ctx.now)
    current = past[-1] if past else None
    upcoming = coming[0] if coming else None
    counts = stage_counts(ctx.session, [c.id for c in (*past, *coming)])
    rows = []
    for cutoff in (*past, *coming):
        per_stage = counts.get(cutoff.id, {})
        rows.append((
            cutoff.date.isoformat(), _state(cutoff, ctx.now, current, upcoming),
            str(sum(per_stage.values())), *(str(per_stage.get(stage, 0)) for stage in STAGES),
        ))
    context = [_closing_rule(ctx.config)]
    if upcoming is None:
        day = calendar_date_on_or_after(local_day(ctx.now, ctx.config), ctx.config)
        rows.append((day.isoformat(), "next (open)", "0", *("0" for _ in STAGES)))
        context.append("The next cut-off follows the calendar; it is created with its first "
                       "application.")
    table = Table(("Cut-off", "State", "Total", *STAGES), tuple(rows))
    return Outcome(Card(title="Cut-offs", table=table, context=tuple(context)))


def _closing_rule(config: ProgrammeConfig) -> str:
    return (f"A cut-off closes at the end of its day ({config.timezone.key} time); an "
            "application belongs to the first cut-off at or after its submission.")
