"""The scheduler tick: close due cut-offs, sweep reminders, wake the messenger."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import select

from bot.scheduler import Scheduler, find_close_rule
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Card, Notice
from storage.db import Database
from storage.models import Cutoff
from tests.fakes.platform import FrozenClock
from tests.reminder_helpers import add_cutoff, add_person, add_place, at, outbox


class Doorbell:
    def __init__(self) -> None:
        self.rings = 0

    def wake(self) -> None:
        self.rings += 1


def test_a_tick_sweeps_records_its_time_and_wakes_the_messenger(
    db: Database, config: ProgrammeConfig
) -> None:
    add_place(db, "C1")
    add_cutoff(db, dt.date(2027, 3, 31))
    clock = FrozenClock(at(2027, 3, 24, 8, 59))
    bell = Doorbell()
    scheduler = Scheduler(db, config, bell, clock, close_rule=lambda *_: [])
    assert asyncio.run(scheduler.tick()) == 0
    assert (scheduler.last_tick, bell.rings) == (clock(), 0)
    clock.advance(minutes=1)
    assert asyncio.run(scheduler.tick()) == 1
    assert (scheduler.last_tick, bell.rings, scheduler.ticks) == (clock(), 1, 2)
    assert scheduler.tick_age(clock.advance(seconds=90)) == 90


def test_the_close_rule_runs_first_and_a_failing_one_does_not_stop_reminders(
    db: Database, config: ProgrammeConfig
) -> None:
    add_person(db, "sec", "secretariat", slack_id="U-SEC")
    calls: list[datetime] = []

    def closing(session: Any, now: datetime, cfg: ProgrammeConfig) -> list[Notice]:
        calls.append(now)
        return [Notice(Audience("secretariat"), Card(title="closed"), key="closed:x")]

    clock = FrozenClock(at(2026, 11, 26, 10))
    asyncio.run(Scheduler(db, config, None, clock, close_rule=closing).tick())
    assert calls == [clock()] and [r.dedupe_key for r in outbox(db)] == [
        "closed:x:slack:user:U-SEC"]

    def broken(session: Any, now: datetime, cfg: ProgrammeConfig) -> list[Notice]:
        raise RuntimeError("closing is broken")

    add_place(db, "C1")
    add_cutoff(db, dt.date(2026, 12, 4))
    clock.set(at(2026, 11, 27, 9))
    scheduler = Scheduler(db, config, None, clock, close_rule=broken)
    assert asyncio.run(scheduler.tick()) == 1  # the 7-days-before reminder still went out
    assert scheduler.last_tick == clock()


def test_the_real_close_rule_is_found_and_missing_modules_are_skipped() -> None:
    rule = find_close_rule()
    assert rule is not None and rule.__name__ == "close_due_cutoffs"
    assert find_close_rule(("handlers.no_such_module",)) is None
    assert find_close_rule(("handlers.core.help",)) is None


def test_a_due_cutoff_is_closed_by_the_tick(db: Database, config: ProgrammeConfig) -> None:
    add_place(db, "C1")
    add_cutoff(db, dt.date(2026, 11, 25))
    asyncio.run(Scheduler(db, config, None, FrozenClock(at(2026, 11, 26, 10))).tick())
    with db.read() as session:
        cutoff = session.scalar(select(Cutoff))
        assert cutoff is not None and cutoff.closed_at == at(2026, 11, 26, 10)
    assert [r.kind for r in outbox(db)] == ["reminder.cutoff_closed"]


def test_a_failing_tick_keeps_the_last_good_time(config: ProgrammeConfig,
                                                 tmp_path: Path) -> None:
    broken = Database(f"sqlite:///{tmp_path / 'missing' / 'nowhere.db'}")
    scheduler = Scheduler(broken, config, None, FrozenClock(at(2026, 11, 26, 10)),
                          close_rule=lambda *_: [])
    assert asyncio.run(scheduler.tick()) == 0
    assert (scheduler.last_tick, scheduler.failures) == (None, 1)


def test_apscheduler_only_drives_the_tick(db: Database, config: ProgrammeConfig) -> None:
    clock = FrozenClock(at(2026, 11, 26, 10))
    scheduler = Scheduler(db, config, None, clock, close_rule=lambda *_: [])

    async def scenario() -> None:
        scheduler.start()
        assert scheduler.running
        for _ in range(500):
            if scheduler.ticks:
                break
            await asyncio.sleep(0.01)
        aps = scheduler._aps
        assert aps is not None
        [job] = aps.get_jobs()
        assert job.id == "sweep" and job.trigger.interval.total_seconds() == 60
        # reminders are rows in the store, never jobs: the job store is the in-memory one
        assert isinstance(aps._jobstores["default"], MemoryJobStore)
        scheduler.shutdown()

    asyncio.run(scenario())
    assert scheduler.ticks >= 1 and scheduler.last_tick == clock()
    assert not scheduler.running


def test_stopping_lets_a_tick_in_progress_finish(db: Database, config: ProgrammeConfig) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow_close(session: Any, now: datetime, cfg: ProgrammeConfig) -> list[Notice]:
        entered.set()
        release.wait(30)
        return []

    clock = FrozenClock(at(2026, 11, 26, 10))
    scheduler = Scheduler(db, config, None, clock, close_rule=slow_close)

    async def scenario() -> None:
        scheduler.start()
        assert await asyncio.to_thread(entered.wait, 30)
        stopping = asyncio.create_task(scheduler.stop())
        await asyncio.sleep(0)
        release.set()
        await stopping

    asyncio.run(scenario())
    assert (scheduler.ticks, scheduler.failures, scheduler.last_tick) == (1, 0, clock())
