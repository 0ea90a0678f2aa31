"""Worker processes sharing one store deliver each reminder exactly once.

Each worker is a separate Python process running the real messenger against the shared
store and a fake platform server that records every post it accepts.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from handlers.reminders.sweep import run_sweep
from storage.db import Database
from storage.models import OutboxMessage
from tests.conftest import Chat
from tests.fakes.platform import CRASH_EXIT_CODE, PlatformServer
from tests.paths import ROOT
from tests.reminder_helpers import add_cutoff, add_place, add_row, at, outbox, sweep

ONE_REPLICA = ("SQLite runs a single replica (SKIP LOCKED does not exist there; "
               "docs/operations.md): concurrent workers are a PostgreSQL deployment")


@pytest.fixture
def platform() -> Iterator[PlatformServer]:
    server = PlatformServer().start()
    yield server
    server.stop()


def seed_one_due_reminder(db: Database) -> str:
    """A reminder channel and a cut-off whose 7-days-before reminder fell due at the last
    09:00 in Brussels: the next sweep adds one row, due now. Returns its key."""
    add_place(db, "C-REMINDERS")
    config = ProgrammeConfig()
    now = datetime.now(UTC)
    local = now.astimezone(config.timezone)
    last_nine = local.date() if local.hour >= config.reminder_hour else (
        local.date() - timedelta(days=1))
    day = last_nine + timedelta(days=7)
    add_cutoff(db, day)
    return f"cutoff:{day.isoformat()}:T-7:slack:C-REMINDERS"


def seed_due_rows(db: Database, count: int, *, channels: int) -> None:
    """`count` rows due now, spread over `channels` Slack channels."""
    due = datetime.now(UTC) - timedelta(seconds=5)
    with db.transaction() as session:
        session.add_all(
            OutboxMessage(dedupe_key=f"bulk:{n}:slack:C{n % channels}", kind="reminder.cutoff",
                          platform="slack", target=f"C{n % channels}", card={"title": f"#{n}"},
                          due_at=due, status="pending", attempts=0, created_at=due)
            for n in range(count)
        )


def spawn(url: str, platform: PlatformServer, worker: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.worker", "--db", url, "--platform", platform.url,
         "--worker-id", worker, *extra],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def run_together(workers: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    """Start the workers' claims at the same moment: each waits for `go` after `ready`."""
    for worker in workers:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        results.append((worker.returncode, out, err))
    return results


def finish(worker: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = worker.communicate(timeout=120)
    return worker.returncode, out, err


def test_two_workers_and_one_due_reminder_make_one_post(
    db: Database, database_url: str, platform: PlatformServer
) -> None:
    if db.is_sqlite:
        pytest.skip(ONE_REPLICA)
    key = seed_one_due_reminder(db)
    with db.transaction() as session:
        added = run_sweep(session, datetime.now(UTC), ProgrammeConfig())
    rows = outbox(db)
    assert added == 1 and rows[0].dedupe_key == key
    results = run_together([spawn(database_url, platform, f"w{i}", "--wait-for-go")
                            for i in range(2)])
    assert all(code == 0 for code, _, _ in results), results
    posts = platform.recorded()
    assert [p["key"] for p in posts] == [key]
    assert [r.status for r in outbox(db)] == ["sent"]


def test_a_cutoff_added_for_tomorrow_evening_reaches_12_channels_once_with_two_replicas(
    db: Database, database_url: str, platform: PlatformServer, desk: Desk,
    people: dict[str, int], config: ProgrammeConfig
) -> None:
    if db.is_sqlite:
        pytest.skip(ONE_REPLICA)
    channels = [f"C-REM-{n:02d}" for n in range(12)]
    for channel in channels:
        add_place(db, channel)
    evening = at(2027, 3, 30, 18, 10)
    sweep(db, config, evening - timedelta(minutes=1))  # the replicas' last tick before it
    assert Chat(desk, "sec", evening)("cutoffs add 2027-03-31").reply.tone == "success"
    # each replica ticks its sweep a minute later, then delivers, on the programme's clock
    offset = str((evening + timedelta(minutes=1) - datetime.now(UTC)).total_seconds())
    results = run_together([spawn(database_url, platform, f"replica{i}", "--wait-for-go",
                                  "--sweep", "--clock-offset", offset) for i in range(2)])
    assert all(code == 0 for code, _, _ in results), results
    posts = platform.recorded()
    assert sorted(p["target"] for p in posts) == channels
    assert {p["key"] for p in posts} == {f"cutoff:2027-03-31:T-1:slack:{c}" for c in channels}
    assert Counter(r.status for r in outbox(db)) == {"sent": 12}


def test_three_workers_deliver_300_rows_once_each(
    db: Database, database_url: str, platform: PlatformServer
) -> None:
    if db.is_sqlite:
        pytest.skip(ONE_REPLICA)
    seed_due_rows(db, 300, channels=30)
    results = run_together([spawn(database_url, platform, f"w{i}", "--wait-for-go")
                            for i in range(3)])
    assert all(code == 0 for code, _, _ in results), results
    keys = Counter(p["key"] for p in platform.recorded())
    assert len(keys) == 300 and max(keys.values()) == 1
    assert Counter(r.status for r in outbox(db)) == {"sent": 300}
    handled = [int(out.split()[-1]) for _, out, _ in results]
    assert sum(handled) == 300


def test_a_worker_killed_before_posting_is_replaced_after_the_lease(
    db: Database, database_url: str, platform: PlatformServer
) -> None:
    row_id = add_row(db, "cutoff:2027-03-31:T-7:slack:C1", due=datetime.now(UTC))
    code, _, _ = finish(spawn(database_url, platform, "doomed", "--crash", "before_post",
                              "--lease", "60"))
    assert code == CRASH_EXIT_CODE
    assert platform.recorded() == []
    assert outbox(db)[0].status == "sending"
    # a worker that starts before the lease ran out finds nothing to do
    code, out, _ = finish(spawn(database_url, platform, "early"))
    assert (code, out.split()[-1]) == (0, "0")
    code, out, _ = finish(spawn(database_url, platform, "heir", "--clock-offset", "61"))
    assert (code, out.split()[-1]) == (0, "1")
    assert [p["worker"] for p in platform.recorded()] == ["heir"]
    stored = outbox(db)[0]
    assert (stored.id, stored.status, stored.attempts) == (row_id, "sent", 2)


def test_a_worker_killed_after_posting_leaves_no_second_post(
    db: Database, database_url: str, platform: PlatformServer
) -> None:
    add_row(db, "cutoff:2027-03-31:T-1:slack:C1", due=datetime.now(UTC))
    code, _, _ = finish(spawn(database_url, platform, "doomed", "--crash", "after_post",
                              "--lease", "60"))
    assert code == CRASH_EXIT_CODE
    assert len(platform.recorded()) == 1
    code, _, _ = finish(spawn(database_url, platform, "heir", "--clock-offset", "61"))
    assert code == 0
    posts = platform.recorded()
    assert [p["worker"] for p in posts] == ["doomed"]
    stored = outbox(db)[0]
    assert (stored.status, stored.message_id) == ("sent", posts[0]["message_id"])
