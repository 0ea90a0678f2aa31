"""Run-time settings that shape a cut-off's decisions: how many assignments it has room for
(`cutoffs capacity`) and an optional bonus for priority cases (`priority bonus`)."""

from __future__ import annotations

from fractions import Fraction

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import READERS, SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Outcome
from handlers.cutoffs.queries import (
    CAPACITY_DEFAULT_KEY,
    PRIORITY_BONUS_KEY,
    capacity_of,
    find_cutoff,
    long_date,
    priority_bonus,
    read_setting,
)
from storage.models import Role, Setting

commands = Commands()


def _write_setting(ctx: Context, key: str, value: str | None) -> None:
    row = ctx.session.get(Setting, key)
    before = None if row is None else {"value": row.value}
    if value is None:
        if row is not None:
            ctx.session.delete(row)
    elif row is None:
        ctx.session.add(Setting(key=key, value=value, updated_at=ctx.now))
    else:
        row.value, row.updated_at = value, ctx.now
    ctx.audit("setting", key, "set", before, None if value is None else {"value": value})


def _count(text: str) -> int | None:
    if text.lower() in ("none", "unlimited"):
        return None
    if not text.isdigit() or int(text) > 10_000:
        raise CommandError(f"`{text}` is not a number of assignments (or `none`)")
    return int(text)


@commands.command("cutoffs capacity", usage="cutoffs capacity DATE|default N|none",
                  summary="assignments a cut-off has room for (or the default for all)",
                  roles=SECRETARIAT, writes=True)
def set_capacity(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=2)
    if len(args.positional) != 2:
        raise CommandError("give a cut-off date (or `default`) and a number")
    target, amount = args.positional[0], _count(args.positional[1])
    if target.lower() == "default":
        _write_setting(ctx, CAPACITY_DEFAULT_KEY, None if amount is None else str(amount))
        shown = "no limit" if amount is None else str(amount)
        return Outcome(Card(title="Default capacity set", facts=(Fact("Per cut-off", shown),),
                            tone="success"))
    cutoff = find_cutoff(ctx.session, target, for_update=True)
    if cutoff.announced_at is not None:
        raise CommandError(f"the decisions of {long_date(cutoff.date)} were announced; its "
                           "capacity is history now", show_usage=False)
    ctx.audit("cutoff", cutoff.date.isoformat(), "capacity", {"capacity": cutoff.capacity},
              {"capacity": amount})
    cutoff.capacity = amount
    effective = capacity_of(ctx.session, cutoff)
    return Outcome(Card(title=f"Capacity of the cut-off of {long_date(cutoff.date)}",
                        facts=(Fact("Assignments",
                                    "no limit" if effective is None else str(effective)),),
                        tone="success"))


@commands.command("priority bonus", usage="priority bonus [N]",
                  summary="points added per priority ground when ranking (0 for none)",
                  roles=READERS, writes=True)
def set_bonus(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    if args.positional:
        ctx.require(Role.SECRETARIAT, what="change the priority bonus")
        try:
            value = Fraction(args.positional[0])
        except (ValueError, ZeroDivisionError):
            raise CommandError(f"`{args.positional[0]}` is not a number") from None
        if not 0 <= value <= 100:
            raise CommandError("the bonus must be between 0 and 100")
        _write_setting(ctx, PRIORITY_BONUS_KEY, None if value == 0 else str(value))
    bonus = priority_bonus(ctx.session)
    stored = read_setting(ctx.session, PRIORITY_BONUS_KEY)
    return Outcome(Card(
        title="Priority bonus",
        facts=(Fact("Points per priority ground", str(bonus) if stored else "0 (none)"),),
        context=("Priority grounds: a confirmed less-developed region; declared challenges. "
                 "Among equal totals priority cases come first whatever the bonus.",),
        tone="success" if args.positional else "info"))
