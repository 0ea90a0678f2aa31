"""One `s3desk serve` per SQLite store: a second one refuses to start, the first runs on."""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.store_lock import StoreInUse, lock_store
from storage.db import Database
from tests.fakes.s3desk_server import ROOT, S3DESK, free_port, fresh_store, start_server


def _healthz(base_url: str) -> int:
    try:
        with urllib.request.urlopen(base_url + "/healthz", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)  # 503 until the first tick: the server answers all the same


def test_a_second_server_on_one_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    store = fresh_store(tmp_path)
    first = start_server({"DATABASE_URL": store.url}, tmp_path / "first.log")
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SLACK_", "MICROSOFT_", "S3DESK_", "DATABASE_URL"))}
        env.update(DATABASE_URL=store.url, S3DESK_ENV="development")
        second = subprocess.run(
            [str(S3DESK), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert "already in use" in second.stderr and str(tmp_path / "own.db") in second.stderr
        assert f"process {first.process.pid}" in second.stderr
        assert "PostgreSQL" in second.stderr and "Traceback" not in second.stderr
        assert first.process.poll() is None and _healthz(first.base_url) in (200, 503)
    finally:
        first.stop()
    # the lock goes with the process that held it
    third = start_server({"DATABASE_URL": store.url}, tmp_path / "third.log")
    third.stop()
    store.dispose()


def test_the_lock_is_per_file_and_released_on_stop(tmp_path: Path) -> None:
    one = Database(f"sqlite:///{tmp_path / 'one.db'}")
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    held, beside = lock_store(one), lock_store(other)
    assert held.held and beside.held
    with pytest.raises(StoreInUse, match="already in use"):
        lock_store(Database(one.url))
    held.release()
    held.release()
    lock_store(one).release()
    beside.release()
    # nothing to lock where replicas are allowed or nothing is on disk
    assert not lock_store(Database("sqlite://")).held
    assert not lock_store(Database("postgresql+psycopg://nobody@127.0.0.1:9/none")).held
