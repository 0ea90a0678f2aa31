"""`python -m bench.sweep`: how long the scheduler's reminder sweep takes at size.

    python -m bench.sweep                          # PostgreSQL, 100,000 applications
    python -m bench.sweep --db sqlite --size 1000

It builds a fresh store with the benchmark's data generator, registers a reminders channel,
then times `run_sweep` in one transaction, exactly as the tick runs it: the first sweep of
a store (one day of catch-up), ordinary minute ticks with nothing due, and ticks at the
instants where reminders fall due (cut-off reminders, evaluator nudges, the Monday digest),
each the first time in the process and then warm. It prints the figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select

from bench.datagen import generate
from bench.stores import fresh_store
from handlers.core.config import ProgrammeConfig
from handlers.reminders.plan import evaluation_deadline
from handlers.reminders.sweep import WATERMARK, run_sweep
from handlers.reminders.times import local_at
from storage.db import Database
from storage.models import Application, Cutoff, OutboxMessage, Place, Setting

TICKS = 60
REPEATS = 5


def timed(db: Database, config: ProgrammeConfig, when: datetime,
          since: datetime | None = None) -> tuple[float, int]:
    """Milliseconds for one sweep at `when`, having covered up to `since` (None: never swept)."""
    with db.transaction() as session:
        session.execute(delete(Setting).where(Setting.key == WATERMARK))
        if since is not None:
            session.add(Setting(key=WATERMARK, value=since.isoformat(), updated_at=since))
    started = time.perf_counter()
    with db.transaction() as session:
        added = run_sweep(session, when, config)
    return (time.perf_counter() - started) * 1000, added


def repeated(db: Database, config: ProgrammeConfig, when: datetime,
             since: datetime | None) -> tuple[float, float, int]:
    """The first run (statements compiled for the first time in this process), then the
    median of warm runs, each starting from the same store (the rows it added removed)."""
    with db.read() as session:
        last = session.scalar(select(func.max(OutboxMessage.id))) or 0
    runs = []
    added = 0
    for _ in range(REPEATS + 1):
        spent, added = timed(db, config, when, since)
        runs.append(spent)
        with db.transaction() as session:
            session.execute(delete(OutboxMessage).where(OutboxMessage.id > last))
    return runs[0], statistics.median(runs[1:]), added


def due_instants(db: Database, config: ProgrammeConfig,
                 now: datetime) -> list[tuple[str, datetime]]:
    tz, hour = config.timezone, config.reminder_hour
    with db.read() as session:
        upcoming = session.scalar(select(Cutoff).where(Cutoff.closed_at.is_(None))
                                  .order_by(Cutoff.date).limit(1))
        evaluating = session.scalar(
            select(Cutoff).where(Cutoff.closed_at.is_not(None)).order_by(Cutoff.date.desc())
            .limit(1))
    found = []
    if upcoming is not None:
        found.append(("cut-off reminder (T-7)",
                      local_at(upcoming.date - timedelta(days=7), hour, tz)))
    if evaluating is not None:
        deadline = evaluation_deadline(evaluating, config)
        found.append(("evaluator nudges (T-3)", local_at(deadline - timedelta(days=3), hour, tz)))
        found.append(("evaluation overdue", local_at(deadline + timedelta(days=1), hour, tz)))
    monday = now.astimezone(tz).date() + timedelta(days=(7 - now.astimezone(tz).weekday()) % 7)
    found.append(("weekly digest (Monday)", local_at(monday, hour, tz)))
    return found


def measure(url: str, size: int) -> None:
    config = ProgrammeConfig()
    now = datetime.now(UTC).replace(microsecond=0)
    db = Database(url)
    started = time.perf_counter()
    generate(db, size, now)
    with db.transaction() as session:
        if session.scalar(select(Place.id).where(Place.purpose == "reminders")) is None:
            session.add(Place(platform="slack", purpose="reminders", channel_id="CSWEEPREM",
                              name="s3-reminders", registered_at=now - timedelta(days=3650)))
        apps = session.scalar(select(func.count()).select_from(Application))
        rows = session.scalar(select(func.count()).select_from(OutboxMessage))
    print(f"store: {url.split('@')[-1]}, {apps:,} applications, {rows:,} outbox rows "
          f"(built in {time.perf_counter() - started:.0f} s)")
    report: list[tuple[str, str, str, str]] = []
    with db.read() as session:  # open the pool's connection outside the timings
        session.scalar(select(func.count()).select_from(Setting))
    cold, warm, added = repeated(db, config, now, None)
    report.append(("first sweep of the store (1 day back)", f"{cold:.1f}", f"{warm:.1f}",
                   str(added)))
    timed(db, config, now)
    ticks = [timed(db, config, now + timedelta(minutes=n), now + timedelta(minutes=n - 1))[0]
             for n in range(1, TICKS + 1)]
    report.append((f"{TICKS} minute ticks, nothing due (max; p50)", f"{max(ticks):.1f}",
                   f"{statistics.median(ticks):.1f}", "0"))
    for label, due in due_instants(db, config, now):
        cold, warm, added = repeated(db, config, due + timedelta(seconds=30),
                                     due - timedelta(seconds=30))
        report.append((f"tick at {label}", f"{cold:.1f}", f"{warm:.1f}", str(added)))
    width = max(len(r[0]) for r in report)
    print(f"{'sweep':<{width}}  {'first ms':>9}  {'warm ms':>8}  rows added")
    for name, first, warm_ms, count in report:
        print(f"{name:<{width}}  {first:>9}  {warm_ms:>8}  {count}")
    print("first: statements compiled for the first time in this process; warm: median of "
          f"{REPEATS} runs, as a running server ticks")
    db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args(argv)
    run: Callable[[str], None] = lambda url: measure(url, args.size)  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="s3desk-sweep-") as tmp, \
            fresh_store(args.db, "sweep", Path(tmp)) as url:
        run(url)


if __name__ == "__main__":
    main()
