"""A fake chat platform for the messenger: in-process senders and an HTTP platform server.

`FakeSender` records posts in memory and can be told to fail. `PlatformServer` is a small
aiohttp server on 127.0.0.1 (free port) that records every post it accepts, so worker
processes that share a store can be checked for duplicates; `HttpSender` is the sender
those workers use, and it can kill its own process just before or just after a post, to
stand for a worker dying mid-delivery. Posts carry the row's dedupe key as metadata, the
way Slack message metadata does, so `find_posted` can find an earlier attempt.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from bot.senders import Delivery, PermanentSendError, TransientSendError

CRASH_EXIT_CODE = 17


class FrozenClock:
    """A clock tests move by hand; always aware."""

    def __init__(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self.now = now


@dataclass
class Post:
    target: str
    dedupe_key: str
    title: str
    kind: str
    thread_root: str | None
    message_id: str


@dataclass
class FakeSender:
    """Records posts and updates; `failures` are raised by the next calls, in order."""

    platform: str = "slack"
    posts: list[Post] = field(default_factory=list)
    updates: list[tuple[str, str]] = field(default_factory=list)
    failures: list[Exception] = field(default_factory=list)
    find_calls: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    async def post(self, delivery: Delivery) -> str:
        self._maybe_fail()
        message_id = f"m{next(self._ids)}"
        self.posts.append(Post(delivery.target, delivery.dedupe_key, delivery.card.title,
                               delivery.kind, delivery.thread_root, message_id))
        return message_id

    async def update(self, delivery: Delivery, message_id: str) -> None:
        self._maybe_fail()
        self.updates.append((message_id, delivery.card.title))

    async def find_posted(self, delivery: Delivery) -> str | None:
        self.find_calls += 1
        for post in self.posts:
            if post.dedupe_key == delivery.dedupe_key and post.target == delivery.target:
                return post.message_id
        return None


class PlatformServer:
    """An HTTP platform recording posts, served from a thread with its own event loop."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def start(self) -> PlatformServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/post", self._post)
        app.router.add_get("/find", self._find)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            message_id = f"m{len(self.posts) + 1}"
            self.posts.append({**body, "message_id": message_id,
                               "at": datetime.now(UTC).isoformat()})
        return web.json_response({"ok": True, "id": message_id})

    async def _find(self, request: web.Request) -> web.Response:
        key, target = request.query["key"], request.query["target"]
        with self._lock:
            found = [p["message_id"] for p in self.posts
                     if p["key"] == key and p["target"] == target]
        return web.json_response({"id": found[0] if found else None})

    def recorded(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.posts)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()


class HttpSender:
    """Posts to a PlatformServer; `crash` kills the process `before_post` or `after_post`."""

    def __init__(self, base_url: str, worker: str, platform: str = "slack",
                 crash: str | None = None) -> None:
        self.base_url = base_url
        self.worker = worker
        self.platform = platform
        self.crash = crash
        self._client: aiohttp.ClientSession | None = None

    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:
            self._client = aiohttp.ClientSession()
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def post(self, delivery: Delivery) -> str:
        if self.crash == "before_post":
            os._exit(CRASH_EXIT_CODE)
        payload = {"key": delivery.dedupe_key, "target": delivery.target,
                   "title": delivery.card.title, "worker": self.worker}
        try:
            async with self._session().post(f"{self.base_url}/post", json=payload) as response:
                if response.status >= 500:
                    raise TransientSendError(f"platform answered {response.status}")
                if response.status >= 400:
                    raise PermanentSendError(f"platform answered {response.status}")
                answer = await response.json()
        except aiohttp.ClientConnectionError as exc:
            raise TransientSendError(str(exc)) from exc
        if self.crash == "after_post":
            os._exit(CRASH_EXIT_CODE)
        return str(answer["id"])

    async def update(self, delivery: Delivery, message_id: str) -> None:
        raise PermanentSendError("the fake platform does not edit")

    async def find_posted(self, delivery: Delivery) -> str | None:
        query = {"key": delivery.dedupe_key, "target": delivery.target}
        async with self._session().get(f"{self.base_url}/find", params=query) as response:
            answer = await response.json()
        return answer["id"]


class PacingRecorder:
    """A monotonic clock and a sleep that only record: pacing is checked, never waited."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)
