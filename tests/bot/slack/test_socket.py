"""`s3desk slack-socket`: the same app over Socket Mode, against a local fake of Slack.

The fake answers `apps.connections.open` with its own WebSocket, pushes an envelope the
way Slack does, and records the acknowledgement the app sends back.
"""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from bot import scheduler as scheduler_module
from bot.config import Settings
from bot.slack import socket as slack_socket
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Notice
from storage.db import Database
from tests.conftest import make_person
from tests.fakes.s3desk_server import wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import fixture


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


def _settings(database_url: str, fake: FakeSlack) -> Settings:
    return Settings.from_env({"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-socket",
                              "SLACK_APP_TOKEN": "xapp-socket", "SLACK_API_URL": fake.base_url})


class SocketModeThread:
    """`slack-socket` run on an event loop in a thread of its own, stopped from the test;
    `on_return` runs once it has returned."""

    def __init__(self, settings: Settings, on_return: Callable[[], None] = lambda: None) -> None:
        self.loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self.loop.run_until_complete,
                                        args=(self._main(settings, on_return),), daemon=True)

    async def _main(self, settings: Settings, on_return: Callable[[], None]) -> None:
        self._stop = asyncio.Event()
        await slack_socket.run_socket_mode(settings, self._stop)
        on_return()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if wait_until(lambda: self._stop is not None, timeout=10):
            assert self._stop is not None
            self.loop.call_soon_threadsafe(self._stop.set)

    def join(self) -> None:
        self._thread.join(30)
        self.loop.close()


def test_socket_mode_answers_a_slash_command_in_its_ack(
        fake: FakeSlack, db: Database, database_url: str) -> None:
    make_person(db, "U0SEC0001", "secretariat", platform="slack")
    socket_mode = SocketModeThread(_settings(database_url, fake))
    socket_mode.start()
    try:
        assert wait_until(fake.connected, timeout=60), "the app never opened its WebSocket"
        payload = fixture("slash_command")
        payload["text"] = "help"
        fake.push({"envelope_id": "env-1", "type": "slash_commands",
                   "accepts_response_payload": True, "payload": payload})
        acks = wait_until(lambda: fake.calls_to("socket_ack"))
        assert acks, "no acknowledgement came back"
        answer = acks[0].params
        assert answer["envelope_id"] == "env-1"
        assert answer["payload"]["response_type"] == "ephemeral"
        assert "what you may do" in str(answer["payload"]["blocks"])
        opened = fake.calls_to("apps.connections.open")
        assert opened  # with the app-level token, not the bot token
        # like `serve`: what start-up built is kept out of the collector's full passes
        assert wait_until(lambda: gc.get_freeze_count() > 0)
    finally:
        socket_mode.stop()
        socket_mode.join()
        gc.unfreeze()  # this test process goes on


def test_stopping_socket_mode_lets_a_tick_in_progress_finish(
        fake: FakeSlack, db: Database, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A stop waits for the scheduler's tick to end its transaction, as `serve` does."""
    entered, release = threading.Event(), threading.Event()
    order: list[str] = []

    def slow_close(session: Any, now: datetime, config: ProgrammeConfig) -> list[Notice]:
        entered.set()
        release.wait(30)
        order.append("tick finished")
        return []

    monkeypatch.setattr(scheduler_module, "find_close_rule", lambda: slow_close)
    returned = threading.Event()

    def stopped() -> None:
        order.append("stopped")
        returned.set()

    socket_mode = SocketModeThread(_settings(database_url, fake), on_return=stopped)
    socket_mode.start()
    try:
        assert entered.wait(60), "the scheduler never ticked"
        socket_mode.stop()
        assert not returned.wait(1), "stopped while a tick was still in its transaction"
    finally:
        release.set()
        socket_mode.join()
    assert order == ["tick finished", "stopped"]


def test_socket_mode_refuses_to_start_without_its_tokens(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import typer

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    cli = typer.Typer()
    slack_socket.register(cli)
    cli.command("other")(lambda: None)  # two commands, so `slack-socket` is a subcommand
    result = CliRunner().invoke(cli, ["slack-socket"])
    assert result.exit_code == 2
    assert "SLACK_APP_TOKEN" in result.output
