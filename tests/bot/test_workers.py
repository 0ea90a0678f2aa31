"""`s3desk serve --workers N`: several processes behind one port, as safe as replicas."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.workers import WORKER_HEADER, WorkersRefused, worker_count
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from tests.fakes.s3desk_server import S3DESK, RunningServer, start_server, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.reminder_helpers import add_cutoff, add_place, outbox

REMINDERS = "C0REMIND1"


def settings(url: str) -> Settings:
    return Settings.from_env({"DATABASE_URL": url, "S3DESK_ENV": "development"})


def test_the_worker_count_follows_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 6)
    assert worker_count(settings("sqlite:///s3desk.db"), None) == 1
    assert worker_count(settings("postgresql+psycopg://db/s3desk"), None) == 6
    assert worker_count(settings("postgresql+psycopg://db/s3desk"), 3) == 3
    assert worker_count(settings("sqlite:///s3desk.db"), 1) == 1
    with pytest.raises(WorkersRefused, match="1 or more"):
        worker_count(settings("postgresql+psycopg://db/s3desk"), 0)


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path) -> None:
    store = tmp_path / "one.db"
    result = subprocess.run(
        [str(S3DESK), "serve", "--port", "1", "--workers", "2"], capture_output=True,
        text=True, timeout=60, check=False,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{store}",
             "S3DESK_ENV": "development"})
    assert result.returncode == 2
    assert "--workers 2 needs PostgreSQL" in result.stderr
    assert "runs one worker" in result.stderr
    assert not store.exists()  # refused before anything was touched


def _due_cutoff(config: ProgrammeConfig, now: datetime) -> dt.date:
    """A cut-off whose seven-days-ahead reminder fell due in the last day, at the hour."""
    local = now.astimezone(config.timezone)
    day = local.date() if local.hour >= config.reminder_hour else local.date() - timedelta(1)
    return day + timedelta(days=7)


@pytest.fixture
def two_workers(db: Database, tmp_path: Path) -> Iterator[tuple[RunningServer, FakeSlack]]:
    if not db.is_postgres:
        pytest.skip("more than one worker needs PostgreSQL (SQLite refuses, tested above)")
    config = ProgrammeConfig()
    add_place(db, REMINDERS)
    add_cutoff(db, _due_cutoff(config, datetime.now(dt.UTC)))
    fake = FakeSlack().start()
    env = {"DATABASE_URL": db.url, "SLACK_BOT_TOKEN": "xoxb-workers",
           "SLACK_SIGNING_SECRET": "workers-secret", "SLACK_API_URL": fake.base_url}
    server = start_server(env, tmp_path / "serve.log", extra_args=("--workers", "2"))
    try:
        yield server, fake
    finally:
        server.stop()
        fake.stop()


def _worker_of(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return str(response.headers[WORKER_HEADER])
    except urllib.error.HTTPError as exc:  # 503 before a worker's first tick: it answered
        return str(exc.headers[WORKER_HEADER])


@pytest.mark.postgres
def test_two_workers_answer_on_one_port_and_a_reminder_goes_out_once(
        two_workers: tuple[RunningServer, FakeSlack], db: Database) -> None:
    server, fake = two_workers
    # each request on a new connection: the kernel spreads connections over the workers
    answered = Counter(_worker_of(server.base_url + "/healthz") for _ in range(60))
    assert set(answered) == {"1", "2"}, answered

    def reminder_posts() -> list[object]:
        return [c for c in fake.calls_to("chat.postMessage")
                if c.params.get("channel") == REMINDERS]

    assert wait_until(reminder_posts, timeout=30)
    # both workers swept the same minute; give the slower one time to post twice
    time.sleep(3)
    assert len(reminder_posts()) == 1
    rows = [row for row in outbox(db) if row.target == REMINDERS]
    assert len(rows) == 1 and rows[0].status == "sent"
    assert server.log().count("serving on http://127.0.0.1") == 3  # the supervisor, 2 workers
