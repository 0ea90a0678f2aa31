"""Reminders whose instant had already passed when a change made them due.

The sweep plans only the instants since its last tick, so a cut-off added on the eve of its
date, a milestone moved into its warning days, or evaluators assigned after a nudge's time
would never be reminded. The command making such a change asks here, in its own
transaction. Of each series of reminders (one thing, one audience) whose instant has
passed, only the latest counts, the earlier ones being superseded by it: it is sent at once
while it is still useful, or else recorded as missed with the reason (listed by `outbox` and
in the weekly digest). The keys are the sweep's own, so neither a later tick nor a second
replica sends it again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from handlers.core import fanout
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Fact, Notice, Outcome
from handlers.reminders.evaluation import plan_evaluation
from handlers.reminders.followups import MilestoneRule
from handlers.reminders.plan import Planned, plan_cutoff_reminders
from handlers.reminders.times import last_at_hour, short_when
from storage.models import Cutoff
from storage.outbox_views import existing_keys, record_missed

# far enough back for every series: the 14-days reminder, the overdue list kept a week
LOOKBACK = timedelta(days=31)
# reminders a reply names one by one (an assignment over a cut-off may touch dozens)
LINES_SHOWN = 5


@dataclass
class Late:
    """What a change did about reminders whose time had passed: notices to send now, and
    one line per reminder for the person who made the change."""

    notices: list[Notice] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def fact(self) -> Fact:
        shown = self.lines[:LINES_SHOWN]
        more = len(self.lines) - len(shown)
        text = "; ".join(shown) + (f"; and {more} more" if more else "")
        return Fact("Reminders", text or "none had passed")


def with_late(outcome: Outcome, late: Late, *, always: bool = False) -> Outcome:
    """The outcome with the late reminders among its notices and said in its reply."""
    if not late.lines and not always:
        return outcome
    reply = dataclasses.replace(outcome.reply, facts=(*outcome.reply.facts, late.fact()))
    return dataclasses.replace(outcome, reply=reply,
                               notices=(*outcome.notices, *late.notices))


def late_cutoff(session: Session, config: ProgrammeConfig, cutoff: Cutoff, now: datetime,
                change: str) -> Late:
    """After a cut-off was added or moved: its reminders whose instant has passed."""
    prefix = f"cutoff:{cutoff.date.isoformat()}:"
    found = plan_cutoff_reminders(session, config, now - LOOKBACK, now)
    return catch_up(session, config, now, (i for i in found if i.key.startswith(prefix)),
                    change)


def late_evaluation(session: Session, config: ProgrammeConfig, cutoff: Cutoff,
                    now: datetime, change: str) -> Late:
    """After evaluators were assigned: the cut-off's nudges and overdue list whose instant
    has passed, for whoever has not had them (the assignment is in the session already)."""
    session.flush()
    prefix = f"evaluation:{cutoff.date.isoformat()}:"
    found = plan_evaluation(session, config, now - LOOKBACK, now)
    return catch_up(session, config, now, (i for i in found if i.key.startswith(prefix)),
                    change)


def late_milestone(session: Session, config: ProgrammeConfig, now: datetime, ref: str,
                   key: str, rule: MilestoneRule) -> Late:
    """After a milestone's date changed: what the daily milestone check would have said of it
    at its last run (09:00), had the date been there already."""
    session.flush()
    last = last_at_hour(now, config.reminder_hour, config.timezone)
    prefix = f"milestone:{ref}:{key}:"
    notices = [n for n in rule(session, last, config) if n.key.startswith(prefix)]
    late = Late()
    if notices:
        state = notices[0].key.split(":")[3].replace("_", " ")
        _settle(session, config, now, late, notices, f"milestone {key} of {ref} {state}",
                last, None, "")
    return late


def catch_up(session: Session, config: ProgrammeConfig, now: datetime,
             found: Iterable[Planned], change: str) -> Late:
    latest: dict[Audience, Planned] = {}
    for item in found:
        seen = latest.get(item.audience)
        if item.due_at <= now and (seen is None or item.due_at > seen.due_at):
            latest[item.audience] = item
    resolver = fanout.Targets(session)
    resolver.prefetch(i.audience.person_id for i in latest.values()
                      if i.audience.person_id is not None)
    wanted = {i.key: {f"{i.key}:{p}:{t}" for p, t in resolver.of(i.audience, now)}
              for i in latest.values()}
    existing = existing_keys(session, (k for keys in wanted.values() for k in keys))
    late = Late()
    for item in sorted(latest.values(), key=lambda i: (i.due_at, i.key)):
        if wanted[item.key] and wanted[item.key] <= existing:
            continue  # sent, or recorded as missed, when it was due
        _settle(session, config, now, late, item.build(now), item.summary, item.due_at,
                item.useful_until, change, resolver)
    return late


def _settle(session: Session, config: ProgrammeConfig, now: datetime, late: Late,
            notices: list[Notice], summary: str, due: datetime,
            useful_until: datetime | None, change: str,
            resolver: fanout.Targets | None = None) -> None:
    """Send these notices now, or record them as missed; say which, or that nobody gets them."""
    when = short_when(due, config.timezone)
    notices = [dataclasses.replace(n, due_at=now) for n in notices]
    resolver = resolver or fanout.Targets(session)
    targets = {f"{n.key}:{p}:{t}": n.audience for n in notices
               for p, t in resolver.of(n.audience, now)}
    if not targets:
        late.lines.append(f"{summary} (due {when}): {_nobody(notices[0].audience)}")
        return
    fresh = set(targets) - existing_keys(session, targets)
    if not fresh:
        return  # sent, or recorded, when it was due
    if useful_until is not None and useful_until <= now:
        fanout.schedule(session, notices, now, resolver=resolver)
        record_missed(session, fresh, f"{change} after it was due ({when}); too late to be "
                                      "useful")
        late.lines.append(f"{summary} (due {when}) came too late to be useful: listed as "
                          "missed in `outbox`")
        return
    late.notices.extend(notices)
    places = sum(1 for key in fresh if targets[key].kind == "places")
    chats = len(fresh) - places
    where = [f"{n} {word}{'s' * (n != 1)}" for n, word in ((places, "place"), (chats, "chat"))
             if n]
    late.lines.append(f"{summary} (due {when}) goes out now to {' and '.join(where)}")


def _nobody(audience: Audience) -> str:
    if audience.kind == "places":
        return f"no channel receives {audience.purpose}; type `here {audience.purpose}` in one"
    return "no Slack or Teams account is linked for them yet"
