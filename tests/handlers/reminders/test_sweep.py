"""The reminder sweep: what falls due when, across DST changes, year ends and downtime."""

from __future__ import annotations

import asyncio
import datetime as dt
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.messenger import Messenger
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Setting
from tests.fakes.platform import FakeSender, FrozenClock
from tests.reminder_helpers import (
    add_application,
    add_cutoff,
    add_person,
    add_place,
    at,
    keys,
    outbox,
    sweep,
)

D = dt.date


def test_cutoff_reminders_are_at_nine_local_on_both_sides_of_spring_dst(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1")
    add_cutoff(db, D(2027, 3, 31))
    sweep(db, config, at(2027, 3, 16, 12))
    for day, step in ((17, 14), (24, 7), (30, 1)):
        assert sweep(db, config, at(2027, 3, day, 8, 59)) == 0
        assert sweep(db, config, at(2027, 3, day, 9, 0)) == 1
        assert keys(db)[-1] == f"cutoff:2027-03-31:T-{step}:slack:C1"
    rows = outbox(db)
    assert [r.due_at.astimezone(config.timezone).hour for r in rows] == [9, 9, 9]
    # 09:00 in Brussels is 08:00 UTC in winter time and 07:00 UTC in summer time
    assert [r.due_at.astimezone(UTC).hour for r in rows] == [8, 8, 7]
    # each reminder is useful until the next one, the last one until the cut-off closes
    assert rows[0].useful_until == rows[1].due_at
    assert rows[2].useful_until == at(2027, 4, 1)


def test_hourly_sweeps_over_the_spring_dst_night_schedule_each_reminder_once(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1")
    add_cutoff(db, D(2027, 4, 4))  # 7 days before is Sunday 28 March, the DST change
    instant = at(2027, 3, 27, 0).astimezone(UTC)
    while instant < at(2027, 3, 30).astimezone(UTC):
        sweep(db, config, instant)
        instant += timedelta(hours=1)
    [row] = outbox(db)
    assert row.dedupe_key == "cutoff:2027-04-04:T-7:slack:C1"
    assert row.due_at == at(2027, 3, 28, 9) == datetime(2027, 3, 28, 7, tzinfo=UTC)


def test_hourly_sweeps_over_the_autumn_dst_night_schedule_each_reminder_once(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1")
    add_cutoff(db, D(2026, 11, 1))  # 7 days before is Sunday 25 October, the clocks go back
    instant = at(2026, 10, 24, 0).astimezone(UTC)
    while instant < at(2026, 10, 27).astimezone(UTC):
        sweep(db, config, instant)
        instant += timedelta(hours=1)
    [row] = outbox(db)
    assert row.dedupe_key == "cutoff:2026-11-01:T-7:slack:C1"
    assert row.due_at == datetime(2026, 10, 25, 8, tzinfo=UTC)


def test_across_the_year_end_keys_and_times_follow_the_calendar(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1")
    add_person(db, "sec", "secretariat", slack_id="U-SEC")
    add_cutoff(db, D(2027, 1, 5))
    for when in (at(2026, 12, 21, 10), at(2026, 12, 22, 9), at(2026, 12, 28, 9),
                 at(2026, 12, 29, 9), at(2027, 1, 4, 9)):
        sweep(db, config, when)
    assert keys(db) == [
        "digest:2026-W52:slack:user:U-SEC",
        "cutoff:2027-01-05:T-14:slack:C1",
        "digest:2026-W53:slack:user:U-SEC",  # 2026 has 53 ISO weeks
        "cutoff:2027-01-05:T-7:slack:C1",
        "cutoff:2027-01-05:T-1:slack:C1",
        "digest:2027-W01:slack:user:U-SEC",
    ]
    assert outbox(db)[4].due_at == at(2027, 1, 4, 9)


def test_a_ten_minute_outage_sends_a_due_reminder_once_after_restart(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1")
    add_cutoff(db, D(2027, 3, 31))
    clock = FrozenClock(at(2027, 3, 24, 8, 55))
    sender = FakeSender()
    messenger = Messenger(db, {"slack": sender}, clock, "w", pace_seconds=0)
    sweep(db, config, clock())
    asyncio.run(messenger.deliver_due())
    # down from 08:55 to 09:05: the 09:00 reminder fell due meanwhile
    clock.set(at(2027, 3, 24, 9, 5))
    assert sweep(db, config, clock()) == 1
    asyncio.run(messenger.deliver_due())
    assert [p.dedupe_key for p in sender.posts] == ["cutoff:2027-03-31:T-7:slack:C1"]
    # another restart, even one that lost the sweep's memory, posts nothing again
    with db.transaction() as session:
        session.execute(text("DELETE FROM settings"))
    clock.advance(minutes=1)
    assert sweep(db, config, clock()) == 0
    asyncio.run(messenger.deliver_due())
    assert len(sender.posts) == 1 and [r.status for r in outbox(db)] == ["sent"]


def test_an_outage_past_the_usefulness_marks_missed_and_the_digest_lists_it(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1", name="s3-reminders")
    add_person(db, "sec", "secretariat", slack_id="U-SEC")
    add_cutoff(db, D(2027, 3, 31))
    sweep(db, config, at(2027, 3, 30, 8, 55))
    # down until after the cut-off closed: the last reminder is no use any more
    sweep(db, config, at(2027, 4, 1, 0, 10))
    by_key = {r.dedupe_key: r for r in outbox(db)}
    assert by_key["cutoff:2027-03-31:T-1:slack:C1"].status == "missed"
    assert by_key["cutoff:2027-03-31:closed:slack:C1"].status == "pending"
    sweep(db, config, at(2027, 4, 5, 9))
    digest = next(r for r in outbox(db) if r.dedupe_key.startswith("digest:2027-W14"))
    rows = digest.card["table"]["rows"]
    assert [r[1:] for r in rows] == [["reminder.cutoff", "slack #s3-reminders"]]


def test_the_closing_announcement_counts_the_batch(db: Database,
                                                   config: ProgrammeConfig) -> None:
    add_place(db, "C1")
    cutoff = add_cutoff(db, D(2026, 12, 31))
    for status in ("eligible", "eligible", "received"):
        add_application(db, cutoff, status=status)
    sweep(db, config, at(2026, 12, 31, 23))
    sweep(db, config, at(2027, 1, 1, 0, 1))
    [row] = outbox(db)
    assert row.kind == "reminder.cutoff_closed"
    assert row.card["title"] == "Cut-off of Thursday 31 December 2026 closed"
    assert {f["label"]: f["value"] for f in row.card["facts"]} == {"eligible": "2",
                                                                   "received": "1"}


def test_a_channel_registered_after_a_reminder_fell_due_does_not_get_it_late(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C-OLD")
    add_place(db, "C-NEW", since=at(2027, 3, 24, 9, 30))
    add_cutoff(db, D(2027, 3, 31))
    sweep(db, config, at(2027, 3, 24, 8))
    sweep(db, config, at(2027, 3, 24, 10))  # late: the 09:00 reminder is computed now
    assert keys(db) == ["cutoff:2027-03-31:T-7:slack:C-OLD"]


def test_a_console_place_receives_the_sweeps_reminders(db: Database,
                                                       config: ProgrammeConfig) -> None:
    add_place(db, "console", platform="console")
    add_cutoff(db, D(2027, 3, 31))
    sweep(db, config, at(2027, 3, 24, 8))
    sweep(db, config, at(2027, 3, 24, 9))
    assert [(r.platform, r.target) for r in outbox(db)] == [("console", "console")]


def test_the_sweep_remembers_how_far_it_got(db: Database, config: ProgrammeConfig) -> None:
    sweep(db, config, at(2027, 3, 24, 9))
    with db.read() as session:
        stored = session.get(Setting, "reminders.swept_until")
        assert stored is not None
        assert datetime.fromisoformat(stored.value) == at(2027, 3, 24, 9)
    # a clock that went back covers nothing twice and moves nothing back
    assert sweep(db, config, at(2027, 3, 24, 8)) == 0


def test_only_one_replica_computes_the_digest(db: Database, config: ProgrammeConfig) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite has no advisory locks; it runs a single replica")
    add_person(db, "sec", "secretariat", slack_id="U-SEC")
    sweep(db, config, at(2026, 11, 30, 8))
    from storage.outbox_views import try_singleton_lock

    with db.transaction() as other:
        assert try_singleton_lock(other, "s3desk:digest")
        # the other replica holds the lock: this sweep leaves the digest to it
        assert sweep(db, config, at(2026, 11, 30, 9)) == 0
    assert sweep(db, config, at(2026, 11, 30, 9, 1)) == 1
    assert keys(db) == ["digest:2026-W49:slack:user:U-SEC"]


def test_fanout_schedules_many_rows_at_once_and_nothing_twice(
    db: Database, now: datetime
) -> None:
    from handlers.core import fanout
    from handlers.core.types import Audience, Card, Notice

    add_place(db, "C1")
    add_place(db, "C2")
    notices = [Notice(Audience("places", purpose="reminders"), Card(title=f"n{i}"), key=f"k{i}")
               for i in range(3)]
    nobody = [Notice(Audience("places", purpose="announcements"), Card(title="x"), key="x")]
    with db.transaction() as session:
        assert fanout.schedule(session, nobody, now) == 0
        assert fanout.schedule(session, notices, now) == 6
        assert fanout.schedule(session, [*notices, notices[0]], now) == 0
    assert sorted(keys(db)) == sorted(f"k{i}:slack:C{c}" for i in range(3) for c in (1, 2))
