"""The tick: once a minute, close due cut-offs, sweep due reminders into the outbox, wake the
messenger.

APScheduler only drives the tick. It holds no job store and no reminder: a reminder is a
row computed from the store (see handlers/reminders/sweep.py), so a restart, a rename or a second
replica can neither lose nor double one. The time of the last good tick is kept for
/healthz, which fails when ticks stop.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.edge import Clock, Wakeable, system_clock
from handlers.core import fanout
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Notice
from handlers.reminders.sweep import run_sweep
from storage.db import Database

log = logging.getLogger("s3desk.scheduler")

# where the cut-off closing rule may live; the first module that has it is used
CLOSING_MODULES = ("handlers.evaluation.closing", "handlers.evaluation.screening")
CloseRule = Callable[[Any, datetime, ProgrammeConfig], Any]


def find_close_rule(modules: Iterable[str] = CLOSING_MODULES) -> CloseRule | None:
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        rule = getattr(module, "close_due_cutoffs", None)
        if rule is not None:
            return rule  # type: ignore[no-any-return]
    return None


class Scheduler:
    def __init__(
        self,
        db: Database,
        config: ProgrammeConfig,
        messenger: Wakeable | None = None,
        clock: Clock = system_clock,
        *,
        interval_seconds: float = 60.0,
        close_rule: CloseRule | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.messenger = messenger
        self.clock = clock
        self.interval_seconds = interval_seconds
        self.close_rule = close_rule if close_rule is not None else find_close_rule()
        self.last_tick: datetime | None = None
        self.started_at: datetime | None = None
        self.ticks = 0
        self.failures = 0
        self._aps: AsyncIOScheduler | None = None
        self._ticking: set[asyncio.Task[Any]] = set()

    async def tick(self) -> int:
        """One sweep; returns the outbox rows it added. Never raises (the next tick retries)."""
        now = self.clock()
        task = asyncio.current_task()
        if task is not None:
            self._ticking.add(task)
        try:
            added = await asyncio.to_thread(self._tick, now)
        except Exception:
            self.failures += 1
            log.exception("scheduler tick failed; the next tick covers the same window")
            return 0
        finally:
            if task is not None:
                self._ticking.discard(task)
        self.last_tick = now
        self.ticks += 1
        if added and self.messenger is not None:
            self.messenger.wake()
        return added

    def _tick(self, now: datetime) -> int:
        added = 0
        if self.close_rule is not None:
            # closing runs in its own transaction: a failing close must not stop reminders
            try:
                with self.db.transaction() as session:
                    added += _scheduled(session, self.close_rule(session, now, self.config), now)
            except Exception:
                log.exception("closing due cut-offs failed")
        with self.db.transaction() as session:
            added += run_sweep(session, now, self.config)
        return added

    def start(self) -> None:
        """Tick now and then every interval, on the running event loop."""
        self.started_at = self.clock()
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.add_job(
            self.tick, IntervalTrigger(seconds=self.interval_seconds, timezone=UTC),
            id="sweep", next_run_time=datetime.now(UTC), max_instances=1, coalesce=True,
            misfire_grace_time=None, replace_existing=True,
        )
        self._aps.start()

    def shutdown(self) -> None:
        """Stop ticking; a tick in progress finishes on its own (see `stop`)."""
        if self._aps is not None and self._aps.running:
            self._aps.shutdown(wait=False)
        self._aps = None

    async def stop(self) -> None:
        """Stop ticking and let a tick in progress finish, so its transaction ends cleanly.

        APScheduler cancels the jobs still running when it shuts down, so wait first.
        """
        if self._aps is not None and self._aps.running:
            self._aps.pause()
        if self._ticking:
            await asyncio.gather(*self._ticking, return_exceptions=True)
        self.shutdown()

    @property
    def running(self) -> bool:
        return self._aps is not None and self._aps.running

    def tick_age(self, now: datetime) -> float | None:
        """Seconds since the last good tick (or since start, before the first one)."""
        since = self.last_tick or self.started_at
        return None if since is None else max(0.0, (now - since).total_seconds())


def _scheduled(session: Any, result: Any, now: datetime) -> int:
    """Notices the closing rule handed back are scheduled here; reports of closes it scheduled
    itself count too, so the messenger is woken for them."""
    if not isinstance(result, Iterable) or isinstance(result, str | bytes):
        return 0
    items = list(result)
    notices = [item for item in items if isinstance(item, Notice)]
    done = sum(len(getattr(item, "notices", ()) or ()) for item in items
               if not isinstance(item, Notice))
    return (fanout.schedule(session, notices, now) if notices else 0) + done
