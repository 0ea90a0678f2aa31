"""A local stand-in for the Slack Web API, so servers under load never reach the internet.

Every Web API method answers `{"ok": true}` with plausible fields (`auth.test` names a bot,
posts get a fresh `ts`). Posts are recorded with their channel and arrival time, which is what
the delivery measurement needs to tell throughput from per-channel pacing. Paths outside
`/api/` (response URLs) answer 200 too. It runs on its own event loop in a thread, so the
load generator's loop is never shared with it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

POST_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage")


@dataclass
class Recorded:
    method: str
    channel: str
    at: float


@dataclass
class FakeSlackState:
    calls: list[Recorded] = field(default_factory=list)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_ts(self) -> str:
        return f"{1_800_000_000 + next(self._ts)}.000100"

    def posts(self) -> list[Recorded]:
        return [c for c in self.calls if c.method in POST_METHODS]

    def posts_by_channel(self) -> dict[str, list[float]]:
        by_channel: dict[str, list[float]] = defaultdict(list)
        for call in self.posts():
            by_channel[call.channel].append(call.at)
        return by_channel

    def clear(self) -> None:
        self.calls.clear()


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = await request.json()
        except json.JSONDecodeError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(await request.post())


def build_app(state: FakeSlackState) -> web.Application:
    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _read_params(request)
        channel = str(params.get("channel") or params.get("user") or "")
        state.calls.append(Recorded(method, channel, time.perf_counter()))
        body: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBENCHBOT", bot_id="BBENCH", team_id="TBENCH",
                        team="Bench", user="s3desk", url="https://bench.invalid/")
        elif method in POST_METHODS:
            body.update(channel=channel or "CBENCH", ts=params.get("ts") or state.next_ts(),
                        message={"text": params.get("text", "")})
        elif method == "conversations.history" or method == "conversations.replies":
            body.update(messages=[], has_more=False)
        elif method == "conversations.open":
            body.update(channel={"id": f"D{channel or 'BENCH'}"})
        elif method == "users.info":
            body.update(user={"id": channel, "name": channel, "real_name": channel,
                              "tz": "Europe/Brussels", "profile": {}})
        elif method == "views.open" or method == "views.update" or method == "views.push":
            body.update(view={"id": f"V{state.next_ts()}"})
        return web.json_response(body)

    async def anything(request: web.Request) -> web.Response:
        await request.read()
        state.calls.append(Recorded("response_url", "", time.perf_counter()))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_route("*", "/{tail:.*}", anything)
    return app


class FakeSlack:
    """`with FakeSlack() as slack:` serves on 127.0.0.1, a free port; `slack.api_url` ends in /."""

    def __init__(self) -> None:
        self.state = FakeSlackState()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="fake-slack")
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    async def _start(self) -> int:
        self._runner = web.AppRunner(build_app(self.state), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        return int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]

    def start(self) -> FakeSlack:
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
