"""Reminders whose instant had passed when the thing they remind of was added or changed.

The sweep looks only at the instants since its last tick, so a change has to say what it
means for reminders that fell due before it: the nearest one is sent at once if it is still
useful, or listed as missed with the reason. Each test ticks the sweep just before the
change, as a running server does, so nothing here depends on the sweep looking back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.messenger import Messenger
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from handlers.reminders.late import Late
from storage.db import Database
from storage.models import Assignment, Milestone
from tests.conftest import Chat, make_person
from tests.delivery_helpers import make_application, make_cutoff, make_expert
from tests.fakes.platform import FakeSender, FrozenClock
from tests.reminder_helpers import (
    add_application,
    add_cutoff,
    add_place,
    at,
    keys,
    link_slack,
    outbox,
    sweep,
)

D = dt.date
CHANNELS = [f"C-REM-{n:02d}" for n in range(12)]


def deliver(db: Database, when: datetime) -> FakeSender:
    sender = FakeSender()
    messenger = Messenger(db, {"slack": sender}, FrozenClock(when), "w", pace_seconds=0)
    while asyncio.run(messenger.deliver_due()):
        pass
    return sender


def test_a_cutoff_added_for_tomorrow_evening_reminds_every_channel_once(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    for channel in CHANNELS:
        add_place(db, channel)
    evening = at(2027, 3, 30, 18, 10)
    sweep(db, config, evening - timedelta(minutes=1))  # the last tick before the change
    reply = Chat(desk, "sec", evening)("cutoffs add 2027-03-31").reply
    assert reply.tone == "success", reply
    # the next ticks of the sweep add nothing: the 09:00 instant is behind them
    assert sweep(db, config, evening + timedelta(minutes=1)) == 0
    sender = deliver(db, evening + timedelta(minutes=1))
    assert sorted(p.target for p in sender.posts) == CHANNELS
    assert {p.dedupe_key.rsplit(":", 2)[0] for p in sender.posts} == {"cutoff:2027-03-31:T-1"}
    assert {p.title for p in sender.posts} == {"Cut-off tomorrow: Wednesday 31 March 2027"}
    facts = {f.label: f.value for f in reply.facts}
    assert "1 day" in facts["Reminders"] and "12 places" in facts["Reminders"], facts
    assert sweep(db, config, at(2027, 3, 31, 9, 1)) == 0
    assert deliver(db, at(2027, 3, 31, 9, 2)).posts == []


def test_a_cutoff_moved_closer_sends_the_reminder_whose_time_has_passed(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    add_place(db, "C1")
    add_cutoff(db, D(2027, 4, 30))
    sweep(db, config, at(2027, 4, 16, 9))  # the 14-days reminder of 30 April
    sweep(db, config, at(2027, 4, 20, 9, 59))
    reply = Chat(desk, "sec", at(2027, 4, 20, 10))("cutoffs move 2027-04-30 2027-04-25").reply
    assert reply.tone == "success", reply
    # 25 April: its 7-days reminder was due on the 18th and stays useful until the 1-day one
    assert keys(db) == ["cutoff:2027-04-30:T-14:slack:C1", "cutoff:2027-04-25:T-7:slack:C1"]
    late = outbox(db)[-1]
    assert late.due_at == at(2027, 4, 20, 10) and late.useful_until == at(2027, 4, 24, 9)
    assert late.card["title"] == "Cut-off in 5 days: Sunday 25 April 2027"
    sweep(db, config, at(2027, 4, 24, 9))
    assert keys(db)[-1] == "cutoff:2027-04-25:T-1:slack:C1"


def test_a_change_that_misses_no_instant_sends_nothing_early(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    add_place(db, "C1")
    now = at(2027, 3, 1, 10)
    sweep(db, config, now - timedelta(minutes=1))
    reply = Chat(desk, "sec", now)("cutoffs add 2027-03-20").reply
    assert reply.tone == "success"
    assert outbox(db) == []
    assert "none had passed" in {f.label: f.value for f in reply.facts}["Reminders"]
    sweep(db, config, at(2027, 3, 6, 9))
    assert keys(db) == ["cutoff:2027-03-20:T-14:slack:C1"]


def case_in_evaluation(db: Database, config: ProgrammeConfig, now: datetime) -> str:
    """A case of the cut-off of 31 December 2026 (scores due 21 January), in evaluation with
    nobody assigned yet; the sweep ticked a minute before `now`."""
    cutoff = add_cutoff(db, D(2026, 12, 31), closed=True, evaluation_deadline=D(2027, 1, 21))
    ref = add_application(db, cutoff, status="in_evaluation")
    sweep(db, config, now - timedelta(minutes=1))
    return ref


def test_an_evaluator_assigned_after_a_nudge_fell_due_is_nudged_at_once(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    link_slack(db, people["eva"], "U-EVA")
    now = at(2027, 1, 19, 10)  # the 3-days nudge was due on the 18th, the 1-day one is ahead
    ref = case_in_evaluation(db, config, now)
    reply = Chat(desk, "sec", now)(f"assign {ref} eva").reply
    assert reply.tone == "success", reply
    nudge = next(r for r in outbox(db) if r.kind == "reminder.evaluation")
    assert nudge.dedupe_key == f"evaluation:2026-12-31:{people['eva']}:T-3:slack:user:U-EVA"
    assert nudge.status == "pending" and nudge.due_at == now
    assert ref in nudge.card["text"][0]
    sweep(db, config, at(2027, 1, 20, 9))
    assert [r.dedupe_key.split(":")[3] for r in outbox(db)
            if r.kind == "reminder.evaluation"] == ["T-3", "T-1"]


def test_a_nudge_no_longer_useful_is_listed_as_missed_with_the_reason(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    link_slack(db, people["eva"], "U-EVA")
    now = at(2027, 1, 22, 8)  # the deadline has ended; the overdue list goes out at 09:00
    ref = case_in_evaluation(db, config, now)
    Chat(desk, "sec", now)(f"assign {ref} eva")
    [nudge] = [r for r in outbox(db) if r.kind == "reminder.evaluation"]
    assert nudge.dedupe_key.endswith(":T-1:slack:user:U-EVA")
    assert nudge.status == "missed"
    assert nudge.error is not None and "Wed 20 Jan 2027 09:00" in nudge.error
    problems = Chat(desk, "sec", now)("outbox").reply
    assert problems.table is not None
    assert any(row[2] == "reminder.evaluation" and "assigned" in row[5]
               for row in problems.table.rows), problems.table.rows
    assert [p.kind for p in deliver(db, now).posts] == ["assignment"]


def test_the_overdue_list_goes_out_when_evaluators_are_assigned_after_it(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    link_slack(db, people["sec"], "U-SEC")
    now = at(2027, 1, 23, 11)
    ref = case_in_evaluation(db, config, now)  # nobody was missing a score at 09:00
    assert outbox(db) == []
    Chat(desk, "sec", now)(f"assign {ref} eva")
    overdue = [r for r in outbox(db) if r.kind == "reminder.escalation"]
    assert [r.dedupe_key for r in overdue] == ["evaluation:2026-12-31:overdue:slack:user:U-SEC"]
    assert overdue[0].status == "pending"


def test_a_milestone_moved_into_its_warning_days_is_announced_at_once(
    db: Database, config: ProgrammeConfig, desk: Desk, people: dict[str, int]
) -> None:
    add_place(db, "C1")
    expert_person = make_person(db, "UEXPERT", platform="slack")
    with db.transaction() as session:
        app = make_application(session, make_cutoff(session, D(2026, 9, 30)), status="co_design")
        expert = make_expert(session, "Alpha", person_id=expert_person)
        session.add(Assignment(application_id=app.id, expert_id=expert.id))
        ref = app.ref
    now = at(2027, 2, 1, 10)  # 4 days before: the warning (7 days before, 09:00) has passed
    sweep(db, config, now - timedelta(minutes=1))
    reply = Chat(desk, "sec", now)(f"milestone {ref} kickoff due 2027-02-04").reply
    assert reply.tone == "success", reply
    key = f"milestone:{ref}:kickoff:due_soon:2027-02-04"
    assert keys(db) == [f"{key}:slack:C1", f"{key}:expert:slack:user:UEXPERT"]
    assert sweep(db, config, at(2027, 2, 2, 9)) == 0
    # a date moved beyond the warning days is announced by the sweep when its time comes
    Chat(desk, "sec", at(2027, 2, 2, 10))(f"milestone {ref} kickoff due 2027-02-20")
    assert len(keys(db)) == 2
    with db.read() as session:
        assert session.scalar(select(Milestone.due_date)) == D(2027, 2, 20)


def test_a_reply_names_a_few_reminders_and_counts_the_rest() -> None:
    late = Late(lines=[f"evaluator nudge {n}" for n in range(7)])
    assert late.fact().value == ("evaluator nudge 0; evaluator nudge 1; evaluator nudge 2; "
                                 "evaluator nudge 3; evaluator nudge 4; and 2 more")
    assert Late().fact().value == "none had passed"
