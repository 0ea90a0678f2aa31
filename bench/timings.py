"""Work off the request path, timed in-process: the scheduler's due-sweep and outbox delivery."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete

from bench.fake_slack import FakeSlack
from bench.results import Timing
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Setting

TICKS = 20
CATCH_UPS = 5


def time_sweep(url: str, kind: str, size: int) -> Timing:
    """Catch-up sweeps (as on a store's first start: one day back), then a minute's ticks.

    A first, unmeasured sweep warms the process (imports, statement compilation), as the
    server's scheduler is warm after its first tick.
    """
    try:
        from handlers.reminders.sweep import WATERMARK, run_sweep
    except ImportError as exc:
        return Timing("due-sweep", kind, size, {}, f"not measured: {exc}")
    db = Database(url)
    config = ProgrammeConfig()
    now = datetime.now(UTC)

    def catch_up() -> tuple[float, int]:
        with db.transaction() as session:
            session.execute(delete(Setting).where(Setting.key == WATERMARK))
        started = time.perf_counter()
        with db.transaction() as session:
            added = run_sweep(session, now, config)
        return (time.perf_counter() - started) * 1000, added

    try:
        catch_up()
        runs = [catch_up() for _ in range(CATCH_UPS)]
        ticks = []
        for tick in range(1, TICKS + 1):
            started = time.perf_counter()
            with db.transaction() as session:
                run_sweep(session, now + timedelta(minutes=tick), config)
            ticks.append((time.perf_counter() - started) * 1000)
    finally:
        db.dispose()
    return Timing("due-sweep", kind, size, {
        "catch-up ms": f"{statistics.median(ms for ms, _ in runs):.1f}",
        "rows scheduled": str(max(added for _, added in runs)),
        "tick p50 ms": f"{statistics.median(ticks):.1f}",
        "tick max ms": f"{max(ticks):.1f}",
    }, "run_sweep in one transaction, as the scheduler calls it; catch-up: median of "
       f"{CATCH_UPS}, one day back")


def time_delivery(url: str, kind: str, size: int, slack: FakeSlack,
                  rows: int) -> list[Timing]:
    try:
        from bench.delivery import measure_delivery
    except ImportError as exc:
        return [Timing("delivery", kind, size, {}, f"not measured: {exc}")]
    return measure_delivery(url, kind, size, slack, rows)
