"""`python -m bench.late`: what registering a channel late and adding a cut-off late cost.

    python -m bench.late                          # PostgreSQL, 10,000 applications
    python -m bench.late --db sqlite --size 1000

On a generated store (the last closed cut-off in evaluation) it times, through the desk as a
secretariat member types them: `here evaluation` in a new channel, which schedules the card
of every case in evaluation as a thread root there; and `cutoffs add` for tomorrow at 18:10
with twelve reminder channels, which sends the 1-day reminder whose 09:00 has passed. Each
is run on a fresh channel or date, the first time in the process and then warm. It prints the
figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench.datagen import generate
from bench.stores import fresh_store
from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Where
from storage.db import Database
from storage.models import Application, Cutoff, OutboxMessage, Place

REPEATS = 5


def timed(desk: Desk, user: str, text: str, now: datetime, channel: str) -> tuple[float, int]:
    """Milliseconds for one command, and the outbox rows it added."""
    with desk.db.read() as session:
        before = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    where = Where("slack", channel_id=channel, channel_name=channel)
    started = time.perf_counter()
    outcome = desk.handle(Inbound("slack", user, text, now, where=where))
    spent = (time.perf_counter() - started) * 1000
    assert outcome.reply.tone != "error", outcome.reply
    with desk.db.read() as session:
        after = session.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    return spent, after - before


def measure(url: str, size: int) -> None:
    config = ProgrammeConfig()
    now = datetime.now(UTC).replace(microsecond=0)
    db = Database(url)
    data = generate(db, size, now)
    desk = Desk(db, load_registry(), config)
    user = data.secretariat_user
    with db.transaction() as session:
        have = session.scalar(select(func.count()).select_from(Place)
                              .where(Place.purpose == "reminders")) or 0
        for n in range(have, 12):
            session.add(Place(platform="slack", purpose="reminders", channel_id=f"CREM{n:02d}",
                              registered_at=now - timedelta(days=30)))
        taken = set(session.scalars(select(Cutoff.date)))
        evaluating = session.scalar(select(func.count()).select_from(Application)
                                    .where(Application.status.in_(("in_evaluation",
                                                                   "scored"))))
    print(f"store: {url.split('@')[-1]}, {size:,} applications, {evaluating:,} in evaluation")
    rows = []
    runs = [timed(desk, user, "here evaluation", now, f"CEVAL{n}") for n in range(REPEATS + 1)]
    rows.append(("here evaluation (a new channel)", runs))
    local = now.astimezone(config.timezone)
    evening = datetime.combine(local.date(), datetime.min.time(),
                               tzinfo=config.timezone) + timedelta(hours=18, minutes=10)
    runs = []
    at = evening
    while len(runs) < REPEATS + 1:
        day = (at + timedelta(days=1)).date()
        if day not in taken:  # a calendar cut-off the generator made
            runs.append(timed(desk, user, f"cutoffs add {day.isoformat()}", at, "CDESK"))
        at += timedelta(days=2)
    rows.append(("cutoffs add, tomorrow at 18:10 (12 channels)", runs))
    width = max(len(name) for name, _ in rows)
    print(f"{'command':<{width}}  {'first ms':>9}  {'warm ms':>8}  rows added")
    for name, measured in rows:
        warm = statistics.median(ms for ms, _ in measured[1:])
        print(f"{name:<{width}}  {measured[0][0]:>9.1f}  {warm:>8.1f}  {measured[0][1]}")
    db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.late", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="s3desk-late-") as tmp, \
            fresh_store(args.db, "late", Path(tmp)) as url:
        measure(url, args.size)


if __name__ == "__main__":
    main()
