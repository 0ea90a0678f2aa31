"""`s3desk serve`: /healthz, /metrics, platform installers, and a clean stop on SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from aiohttp.test_utils import TestClient, TestServer
from typer.testing import CliRunner

from bot.config import Settings
from bot.server import register
from bot.services import Services, build_services
from bot.web import _platform_installers, build_web_app
from storage.db import Database
from tests.fakes.platform import FrozenClock
from tests.paths import ROOT
from tests.reminder_helpers import at

NOW = at(2026, 11, 26, 10)


def settings_for(url: str, **extra: str) -> Settings:
    return Settings.from_env({"DATABASE_URL": url, "S3DESK_ENV": "development", **extra})


def services_for(db: Database, clock: FrozenClock, **extra: str) -> Services:
    return build_services(settings_for(db.url, **extra), clock=clock, db=db)


def call(services: Services, path: str) -> tuple[int, str, str]:
    async def scenario() -> tuple[int, str, str]:
        app = build_web_app(services, platforms=False)
        async with TestClient(TestServer(app)) as client:
            response = await client.get(path)
            return response.status, response.headers["Content-Type"], await response.text()

    return asyncio.run(scenario())


def test_healthz_is_ok_after_a_tick_and_fails_when_ticks_stop(db: Database) -> None:
    clock = FrozenClock(NOW)
    services = services_for(db, clock)
    status, _, body = call(services, "/healthz")
    assert status == 503 and json.loads(body)["scheduler"]["status"] == "stopped"
    asyncio.run(services.scheduler.tick())
    status, _, body = call(services, "/healthz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ok", "database": "ok",
        "scheduler": {"last_tick": NOW.isoformat(), "tick_age_seconds": 0.0, "status": "ok"},
    }
    clock.advance(seconds=180)
    assert call(services, "/healthz")[0] == 200
    clock.advance(seconds=1)
    status, _, body = call(services, "/healthz")
    assert status == 503
    assert json.loads(body)["scheduler"]["status"] == "stale"
    assert json.loads(body)["status"] == "failing"


def test_healthz_fails_when_the_store_is_unreachable(db: Database, tmp_path: Path) -> None:
    if db.is_postgres:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/unreachable"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-dir' / 'store.db'}"
    clock = FrozenClock(NOW)
    services = build_services(settings_for(url), clock=clock)
    services.scheduler.last_tick = NOW  # the tick is fine; only the store is gone
    status, _, body = call(services, "/healthz")
    assert status == 503 and json.loads(body)["database"] == "unreachable"
    _, _, text = call(services, "/metrics")
    assert "s3desk_up 0" in text and "s3desk_outbox_messages" not in text


def _fake_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fakeplat").mkdir()
    (tmp_path / "fakeplat" / "__init__.py").write_text("")
    (tmp_path / "fakeplat" / "http.py").write_text(
        "def install(app, services):\n"
        "    app.router.add_post('/fake/events', lambda request: None)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))


def test_slack_installs_only_when_configured(db: Database, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_platform(tmp_path, monkeypatch)
    slack_only = (("fakeplat.http", True),)
    plain = services_for(db, FrozenClock(NOW))
    assert _platform_installers(plain, slack_only) == []
    configured = services_for(db, FrozenClock(NOW), SLACK_BOT_TOKEN="xoxb-test",
                              SLACK_SIGNING_SECRET="secret")
    assert len(_platform_installers(configured, slack_only)) == 1


def test_without_slack_credentials_only_teams_is_served(db: Database) -> None:
    app = build_web_app(services_for(db, FrozenClock(NOW)))
    paths = {route.resource.canonical for route in app.router.routes()
             if route.resource is not None}
    assert "/api/messages" in paths and "/slack/events" not in paths


def test_the_web_app_mounts_every_platform(db: Database) -> None:
    services = services_for(db, FrozenClock(NOW), SLACK_BOT_TOKEN="xoxb-test",
                            SLACK_SIGNING_SECRET="secret",
                            SLACK_API_URL="http://127.0.0.1:9/api/")
    app = build_web_app(services)
    paths = {route.resource.canonical for route in app.router.routes()
             if route.resource is not None}
    assert {"/healthz", "/metrics", "/slack/events", "/api/messages"} <= paths
    assert "slack" in services.messenger.senders and "teams" in services.messenger.senders


def test_serve_is_a_subcommand_with_host_and_port() -> None:
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """S3 Desk."""

    register(cli)
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output
    assert "3978" in result.output and "127.0.0.1" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _until(check: Callable[[], Any], attempts: int = 300) -> Any:
    for _ in range(attempts):
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("the server never answered")


def _health(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return None


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_answers_health_and_stops_cleanly_on_a_signal(
    database_url: str, db: Database, stop_signal: signal.Signals
) -> None:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "S3DESK_ENV": "development"}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    server = subprocess.Popen([sys.executable, "-c", "from bot.cli.main import main; main()",
                               "serve", "--port", str(port)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert _until(lambda: _health(port) == 200)
    finally:
        server.send_signal(stop_signal)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err
    assert "stopping" in err and "Traceback" not in err

