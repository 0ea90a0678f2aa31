"""Unsigned Teams activities are served only in development on a loopback address.

Without the Azure Bot's app id no token is checked, so anywhere else `/api/messages` stays
off and the server says why once at start-up. Each server here gets a store of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.config import Settings
from bot.teams.settings_check import closed_reason, is_loopback
from storage.db import Database
from storage.models import Note, ProcessedEvent
from tests.conftest import make_person
from tests.evaluation_helpers import CUTOFF, add_application, add_cutoff
from tests.fakes.connector import FakeConnector
from tests.fakes.s3desk_server import fresh_store, start_server
from tests.fakes.teams_activities import Activities
from tests.fakes.teams_server import http_post
from tests.fakes.teams_world import SOFIA, connector_fixture  # noqa: F401  (fixture)

OFF = "Teams is off"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    db = fresh_store(tmp_path)
    make_person(db, SOFIA.aad, "secretariat", platform="teams")
    yield db
    db.dispose()


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(("host", "extra"), [
    ("0.0.0.0", {"S3DESK_ENV": "development"}),
    # the README's production steps on a Slack-only desk: Teams off, the server up
    ("0.0.0.0", {"S3DESK_ENV": "production", "SLACK_BOT_TOKEN": "xoxb-x",
                 "SLACK_SIGNING_SECRET": "s"}),
    ("127.0.0.1", {"S3DESK_ENV": "production", "SLACK_BOT_TOKEN": "xoxb-x",
                   "SLACK_SIGNING_SECRET": "s"}),
], ids=["development on 0.0.0.0", "production on 0.0.0.0", "production on loopback"])
def test_an_unsigned_activity_runs_no_turn_off_loopback_or_in_production(
        store: Database, connector: FakeConnector, tmp_path: Path, host: str,
        extra: dict[str, str]) -> None:
    add_cutoff(store)
    ref = add_application(store, CUTOFF)
    running = start_server({"DATABASE_URL": store.url, **extra}, tmp_path / "serve.log", host)
    try:
        activity = Activities(connector.url).personal(SOFIA, f"note {ref} written unsigned")
        status, _ = http_post(running.base_url + "/api/messages", activity)
        assert status in (401, 404)
        assert count(store, Note) == 0 and count(store, ProcessedEvent) == 0
        assert connector.calls == []
    finally:
        running.stop()
    log = running.log()
    warnings = [line for line in log.splitlines() if OFF in line]
    assert len(warnings) == 1 and "WARNING" in warnings[0], log[-2000:]
    assert "MICROSOFT_APP_ID" in warnings[0]
    assert "written unsigned" not in log and "Traceback" not in log


def test_development_on_loopback_still_takes_unsigned_activities(
        store: Database, connector: FakeConnector, tmp_path: Path) -> None:
    add_cutoff(store)
    ref = add_application(store, CUTOFF)
    running = start_server({"DATABASE_URL": store.url}, tmp_path / "serve.log", "127.0.0.1")
    try:
        activity = Activities(connector.url).personal(SOFIA, f"note {ref} tried locally")
        assert http_post(running.base_url + "/api/messages", activity)[0] == 201
        assert count(store, Note) == 1
    finally:
        running.stop()
    assert OFF not in running.log()


def test_only_loopback_addresses_count_as_local() -> None:
    for host in ("127.0.0.1", "127.5.0.1", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "", "10.0.0.4", "desk.example.eu", "localhost.evil.eu"):
        assert not is_loopback(host), host
    development = Settings.from_env({"S3DESK_ENV": "development"})
    assert closed_reason(development, "127.0.0.1") is None
    assert "0.0.0.0" in (closed_reason(development, "0.0.0.0") or "")
    signed = Settings.from_env({"S3DESK_ENV": "development", "MICROSOFT_APP_ID": "app"})
    assert closed_reason(signed, "0.0.0.0") is None
