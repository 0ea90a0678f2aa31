"""A local fake of the Slack Web API (and of response_url), recording every call.

It runs an aiohttp server on 127.0.0.1 (a free port) in its own thread, so an in-process
test and a `s3desk serve` subprocess (with `SLACK_API_URL` pointing here) can both use it.
It keeps channel histories with message metadata, refuses payloads Slack would refuse
(Block Kit limits, a trigger id used twice, an unknown message to edit), and can be told to
fail the next calls of a method (429 with `Retry-After`, 5xx, an error code), hold the
calls of a method unanswered until the test lets them through (a slow Slack), or hold every
call until released (a Web API that does not answer).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes.background import BackgroundServer
from tests.fakes.block_kit import block_problems, view_problems
from tests.fakes.gate import Gate
from tests.fakes.slack_files import FileUploads, Upload
from tests.fakes.slack_history import page as history_page

BOT_USER = "UBOT0S3"
BOT_ID = "BBOT0S3"
TEAM = "T0S3COP"
_JSON_FIELDS = ("blocks", "metadata", "view", "attachments")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    answer: dict[str, Any]


@dataclass
class _Failure:
    status: int
    error: str
    headers: dict[str, str]
    times: int


@dataclass
class FakeSlack(FileUploads):
    calls: list[Call] = field(default_factory=list)
    # channel id -> messages in posting order
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # channels the bot is not in: posts there answer `not_in_channel`
    outside: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, Upload] = field(default_factory=dict)
    # stamps the messages posted here (wall time unless a test moves it)
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        # `gate.hold()`: every call waits until `gate.release()` (a Web API that does not
        # answer); `response_url` names the answers to a response URL
        self.gate = Gate()
        self._failures: dict[str, list[_Failure]] = {}
        # method -> the gate its calls wait at while `hold(method)` lasts
        self._gates: dict[str, Gate] = {}
        self._triggers: set[str] = set()
        self._seq = 0
        self._last_ts = 0.0
        self._server = BackgroundServer(self._app, "fake-slack")
        self._sockets: list[web.WebSocketResponse] = []
        self.port = 0

    # ---- control from tests -------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    def fail(self, method: str, *, status: int = 200, error: str = "fatal_error",
             headers: dict[str, str] | None = None, times: int = 1) -> None:
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(status, error, headers or {}, times))

    def hold(self, method: str) -> None:
        """Leave calls of `method` unanswered until `let_through` (a slow Slack)."""
        gate = Gate()
        gate.hold()
        with self._lock:
            self._gates[method] = gate

    def let_through(self, method: str) -> None:
        with self._lock:
            gate = self._gates.pop(method)
        gate.release()

    def waiting(self, method: str) -> int:
        """How many calls of `method` are held at its gate now."""
        with self._lock:
            gate = self._gates.get(method)
        return len(gate.waiting()) if gate is not None else 0
    def chatter(self, channel: str, count: int, thread_ts: str | None = None) -> None:
        """`count` messages people post in `channel` (or in one of its threads), now."""
        with self._lock:
            for n in range(count):
                message = {"type": "message", "ts": self._next_ts(), "user": "U0PEOPLE1",
                           "text": f"chatter {n}"}
                if thread_ts:
                    message["thread_ts"] = thread_ts
                self.history.setdefault(channel, []).append(message)

    def calls_to(self, *methods: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method in methods]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.history.clear()
            self.outside.clear()
            self.uploads.clear()
            self._failures.clear()
            self._last_ts = 0.0
        self.gate.release()

    def start(self) -> FakeSlack:
        self.port = self._server.start()
        return self

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        return app

    def connected(self) -> bool:
        return bool(self._sockets)

    def push(self, envelope: dict[str, Any]) -> None:
        """Send a Socket Mode envelope to the connected app (from the test's thread)."""
        assert self._sockets
        self._server.call(self._sockets[-1].send_json(envelope))

    def stop(self) -> None:
        self._server.stop()

    # ---- the HTTP side ------------------------------------------------------------------
    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.text()
        if request.content_type == "application/json" and raw:
            params.update(json.loads(raw))
        elif raw:
            params.update(dict(parse_qsl(raw, keep_blank_values=True)))
        for key in _JSON_FIELDS:
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        await self.gate.passage(method)
        with self._lock:
            gate = self._gates.get(method)
        if gate is not None:
            await gate.passage(method)
        with self._lock:
            failure = self._next_failure(method)
            if failure is not None:
                answer: dict[str, Any] = {"ok": False, "error": failure.error}
                self.calls.append(Call(method, params, answer))
                return web.json_response(answer, status=failure.status, headers=failure.headers)
            answer = self._answer(method, params)
            self.calls.append(Call(method, params, answer))
        return web.json_response(answer)

    async def _respond(self, request: web.Request) -> web.Response:
        params = await self._params(request)
        await self.gate.passage("response_url")
        problems = block_problems(params.get("blocks") or [])
        answer = {"ok": not problems, "problems": problems}
        with self._lock:
            self.calls.append(Call("response_url", {**params, "url_name":
                                                    request.match_info["name"]}, answer))
        return web.Response(text="ok" if not problems else "invalid_blocks",
                            status=200 if not problems else 400)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record every acknowledgement the app sends back."""
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1,
                            "connection_info": {"app_id": "A0S3DESK1"}})
        try:
            async for message in ws:
                if message.type.name == "TEXT":
                    with self._lock:
                        self.calls.append(Call("socket_ack", json.loads(message.data), {}))
        finally:
            self._sockets.remove(ws)
        return ws

    def _next_failure(self, method: str) -> _Failure | None:
        queue = self._failures.get(method) or []
        if not queue:
            return None
        failure = queue[0]
        failure.times -= 1
        if failure.times <= 0:
            queue.pop(0)
        return failure

    # ---- what each method answers (called under the lock) --------------------------------
    def _answer(self, method: str, p: dict[str, Any]) -> dict[str, Any]:
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(p)

    def _next_ts(self) -> str:
        """Seconds since the epoch by `clock`, as Slack stamps messages; always increasing."""
        self._seq += 1
        self._last_ts = max(self.clock(), self._last_ts + 0.000001)
        return f"{self._last_ts:.6f}"

    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://s3cop.example.slack.com/", "team": "S3 CoP",
                "user": "s3desk", "team_id": TEAM, "user_id": BOT_USER, "bot_id": BOT_ID}

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = p.get("user", "")
        return {"ok": True, "user": {"id": user, "name": self.users.get(user, user.lower())}}

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(p.get("users", "")).lstrip("UW")}}

    def _channel(self, channel: str) -> str:
        return "D" + channel[1:] if channel[:1] in ("U", "W") else channel

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        problems = block_problems(p.get("blocks") or [])
        if problems:
            return {"ok": False, "error": "invalid_blocks", "problems": problems}
        channel = self._channel(str(p.get("channel", "")))
        if channel in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        message = {"type": "message", "ts": self._next_ts(), "user": BOT_USER, "bot_id": BOT_ID,
                   "text": p.get("text", ""), "blocks": p.get("blocks") or []}
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        if p.get("metadata"):
            message["metadata"] = p["metadata"]
        self.history.setdefault(channel, []).append(message)
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        problems = block_problems(p.get("blocks") or [])
        if problems:
            return {"ok": False, "error": "invalid_blocks", "problems": problems}
        if p.get("channel") in self.outside:
            return {"ok": False, "error": "not_in_channel"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        problems = block_problems(p.get("blocks") or [])
        if problems:
            return {"ok": False, "error": "invalid_blocks", "problems": problems}
        channel = self._channel(str(p.get("channel", "")))
        for message in self.history.get(channel, []):
            if message["ts"] == p.get("ts"):
                message.update(text=p.get("text", ""), blocks=p.get("blocks") or [])
                return {"ok": True, "channel": channel, "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _with_metadata(self, messages: list[dict[str, Any]], p: dict[str, Any]) -> list[Any]:
        keep = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        return [m if keep else {k: v for k, v in m.items() if k != "metadata"} for m in messages]

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        messages = [m for m in self.history.get(str(p.get("channel")), [])
                    if m.get("thread_ts", m["ts"]) == m["ts"]]
        answer = history_page(messages, p, newest_first=True)
        return {**answer, "messages": self._with_metadata(answer["messages"], p)}

    def _m_conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        root = p.get("ts")
        messages = [m for m in self.history.get(str(p.get("channel")), [])
                    if m["ts"] == root or m.get("thread_ts") == root]
        if not messages:
            return {"ok": False, "error": "thread_not_found"}
        answer = history_page(messages, p, newest_first=False)
        return {**answer, "messages": self._with_metadata(answer["messages"], p)}

    def _view_answer(self, view: dict[str, Any], trigger: str | None) -> dict[str, Any]:
        problems = view_problems(view)
        if problems:
            return {"ok": False, "error": "invalid_arguments", "problems": problems}
        if trigger is not None:
            if trigger in self._triggers:
                return {"ok": False, "error": "exchanged_trigger_id"}
            self._triggers.add(trigger)
        self._seq += 1
        return {"ok": True, "view": {**view, "id": f"VFAKE{self._seq:05d}",
                                     "hash": f"{self._seq}.hash"}}

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._view_answer(p.get("view") or {}, str(p.get("trigger_id")))

    def _m_views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._view_answer(p.get("view") or {}, str(p.get("trigger_id")))

    def _m_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._view_answer(p.get("view") or {}, None)

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._view_answer(p.get("view") or {}, None)
