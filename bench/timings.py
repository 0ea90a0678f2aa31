"""Work off the request path, timed in-process: the scheduler's due-sweep and outbox delivery."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from bench.fake_slack import FakeSlack
from bench.results import Timing
from handlers.config import ProgrammeConfig
from storage.db import Database
from storage.models import Setting

TICKS = 20


def time_sweep(url: str, kind: str, size: int) -> Timing:
    """One catch-up sweep (a store swept for the first time), then a minute's ticks."""
    try:
        from handlers.reminders import WATERMARK, run_sweep
    except ImportError as exc:
        return Timing("due-sweep", kind, size, {}, f"not measured: {exc}")
    db = Database(url)
    config = ProgrammeConfig()
    try:
        with db.transaction() as session:
            session.execute(delete(Setting).where(Setting.key == WATERMARK))
        now = datetime.now(UTC)
        started = time.perf_counter()
        with db.transaction() as session:
            added = run_sweep(session, now, config)
        catch_up = (time.perf_counter() - started) * 1000
        ticks = []
        for tick in range(1, TICKS + 1):
            started = time.perf_counter()
            with db.transaction() as session:
                run_sweep(session, now + timedelta(minutes=tick), config)
            ticks.append((time.perf_counter() - started) * 1000)
    finally:
        db.dispose()
    return Timing("due-sweep", kind, size, {
        "catch-up ms": f"{catch_up:.1f}",
        "rows scheduled": str(added),
        "tick p50 ms": f"{statistics.median(ticks):.1f}",
        "tick max ms": f"{max(ticks):.1f}",
    }, "run_sweep in one transaction, as the scheduler calls it")


def time_delivery(url: str, kind: str, size: int, slack: FakeSlack,
                  rows: int) -> list[Timing]:
    try:
        from bench.delivery import measure_delivery
    except ImportError as exc:
        return [Timing("delivery", kind, size, {}, f"not measured: {exc}")]
    return measure_delivery(url, kind, size, slack, rows)
