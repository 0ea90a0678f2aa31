"""The dates of an assignment's milestones: which ones are allowed, and which one presses.

Nothing is due before the assignment started, and nothing after the kick-off may be due
before it: the kick-off with the four parties opens co-design. Of the open milestones the
one to show is the most overdue, or when none is late the next one due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from handlers.core.errors import CommandError
from storage.models import Assignment, Milestone

KICKOFF = "kickoff"


def _held_or_due(milestone: Milestone, zone: ZoneInfo) -> dt.date | None:
    if milestone.done_at is not None:
        return milestone.done_at.astimezone(zone).date()
    return milestone.due_date


def check_due(assignment: Assignment, key: str, day: dt.date,
              milestones: Sequence[Milestone], zone: ZoneInfo, ref: str) -> None:
    """Refuse a due date before the assignment's start or on the wrong side of the kick-off."""
    started = assignment.started_at.astimezone(zone).date()
    if day < started:
        raise CommandError(f"{key} of {ref} cannot be due on {day.isoformat()}: the assignment "
                           f"started on {started.isoformat()}", show_usage=False)
    others = {m.key: m for m in milestones if m.key != key}
    if key != KICKOFF:
        kickoff = others.get(KICKOFF)
        when = _held_or_due(kickoff, zone) if kickoff is not None else None
        if when is not None and day < when:
            said = "was held" if kickoff is not None and kickoff.done_at else "is due"
            raise CommandError(f"{key} of {ref} cannot be due on {day.isoformat()}, before the "
                               f"kick-off ({said} on {when.isoformat()}); move the kick-off "
                               "first if it is earlier", show_usage=False)
        return
    earlier = sorted((when, m.key) for m in others.values()
                     if (when := _held_or_due(m, zone)) is not None and when < day)
    if earlier:
        when, name = earlier[0]
        raise CommandError(f"the kick-off of {ref} cannot be due on {day.isoformat()}: {name} "
                           f"comes before it ({when.isoformat()}); move that one first",
                           show_usage=False)


def pressing(milestones: Sequence[Milestone], today: dt.date) -> tuple[Milestone | None, int]:
    """The open milestone to show and its days late: the most overdue one, else the next."""
    open_ = [m for m in milestones if m.done_at is None and m.due_date is not None]
    if not open_:
        undated = [m for m in milestones if m.done_at is None]
        return (undated[0] if undated else None), 0
    first = min(open_, key=lambda m: (m.due_date or dt.date.max, m.id))
    due = first.due_date or today
    return first, max((today - due).days, 0)
