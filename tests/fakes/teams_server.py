"""The Teams endpoint in-process on loopback, with the real messenger, for tests.

The aiohttp app runs on its own event loop in a thread, so a test talks to it over HTTP
like Teams does and stays a plain synchronous test.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from aiohttp import web
from botframework.connector.auth import BotFrameworkAuthentication

from bot.config import Settings
from bot.messenger import Messenger
from bot.teams.connector import Backoff
from bot.teams.http import TeamsEndpoint, mount
from handlers.core.desk import Desk
from storage.db import Database
from tests.fakes.s3desk_server import RunningServer, start_server

T = TypeVar("T")


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="teams-test-loop",
                                        daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


def http_post(url: str, payload: Any, headers: dict[str, str] | None = None,
              *, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST",
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, body.decode("utf-8", "replace")


async def _no_sleep(_seconds: float) -> None:
    return None


class InProcessTeams:
    def __init__(self, db: Database, desk: Desk, settings: Settings,
                 clock: Callable[[], datetime],
                 authentication: BotFrameworkAuthentication | None = None,
                 backoff: Backoff | None = None) -> None:
        self.loop = LoopThread()
        self.messenger = Messenger(db, clock=clock, pace_seconds=0, sleep=_no_sleep)
        self.services = SimpleNamespace(settings=settings, db=db, desk=desk,
                                        messenger=self.messenger, clock=clock)
        if authentication is None:
            from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

            from bot.teams.http import BotConfiguration
            authentication = ConfigurationBotFrameworkAuthentication(
                BotConfiguration(settings))
        self.endpoint: TeamsEndpoint | None = None
        self.port = 0
        self.loop.run(self._start(authentication, backoff or Backoff(sleep=_no_sleep)))

    async def _start(self, authentication: BotFrameworkAuthentication,
                     backoff: Backoff) -> None:
        self.app = web.Application()
        self.endpoint = mount(self.app, self.services, authentication, backoff)
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/messages"

    def post(self, activity: dict[str, Any], headers: dict[str, str] | None = None
             ) -> tuple[int, Any]:
        return http_post(self.url, activity, headers)

    def deliver(self) -> int:
        """One messenger pass over the due outbox rows; how many it handled."""
        return self.loop.run(self.messenger.deliver_due())

    def deliver_all(self, passes: int = 5) -> int:
        total = 0
        for _ in range(passes):
            handled = self.deliver()
            total += handled
            if not handled:
                break
        return total

    def close(self) -> None:
        self.loop.run(self.runner.cleanup())
        self.loop.stop()


def start_serve(env: dict[str, str], log_path: Path) -> RunningServer:
    """`s3desk serve` on a free loopback port with exactly this environment on top of a clean
    one (S3DESK_ENV included), waited for on /healthz."""
    return start_server(env, log_path)
