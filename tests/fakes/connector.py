"""A local fake of the Bot Framework connector (the Teams side of `serviceUrl`).

It runs an aiohttp server on 127.0.0.1 (a free port) in its own thread, so an in-process
test and a `s3desk serve` subprocess can both send to it. It records every call, keeps each
conversation's activities (posts, thread replies, edits), answers an edit of an activity it
never saw with 404 as Teams does, opens one-to-one chats (the same chat for the same user),
knows conversation members, and can be told to answer the next calls with 429 or 503.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.background import BackgroundServer

BOT_ID = "28:s3desk-bot"
THREAD_MARK = ";messageid="


@dataclass
class Call:
    method: str  # create | post | reply | update | member
    conversation_id: str | None
    activity_id: str | None
    body: dict[str, Any]
    status: int
    authorization: str | None = None


@dataclass
class _Failure:
    status: int
    retry_after: str | None
    methods: frozenset[str]
    times: int


@dataclass
class FakeConnector:
    calls: list[Call] = field(default_factory=list)
    # conversation id (as sent, thread suffix included) -> activities in posting order
    conversations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # member id (29:...) -> channel account with aadObjectId
    members: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: list[_Failure] = []
        self._seq = 0
        self._activities: dict[str, dict[str, Any]] = {}
        self._server = BackgroundServer(self._app, "fake-connector")
        self.port = 0

    # ---- control and inspection from tests ----------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def fail(self, status: int, *, times: int = 1, retry_after: str | None = None,
             methods: tuple[str, ...] = ("create", "post", "reply", "update")) -> None:
        with self._lock:
            self._failures.append(_Failure(status, retry_after, frozenset(methods), times))

    def calls_to(self, *methods: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method in methods]

    def sent(self) -> list[Call]:
        """Successful posts and replies, in order."""
        return [c for c in self.calls_to("post", "reply") if c.status < 300]

    def sent_to(self, conversation_id: str) -> list[Call]:
        return [c for c in self.sent() if c.conversation_id == conversation_id]

    def activity(self, activity_id: str) -> dict[str, Any]:
        with self._lock:
            return self._activities[activity_id]

    def add_member(self, member_id: str, aad_object_id: str, name: str = "") -> None:
        with self._lock:
            self.members[member_id] = {"id": member_id, "name": name or member_id,
                                       "aadObjectId": aad_object_id}

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> FakeConnector:
        self.port = self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._post)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._reply)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{mid}", self._member)
        return app

    # ---- the connector's routes --------------------------------------------------------
    def _next_id(self) -> str:
        self._seq += 1
        return f"17{self._seq:011d}"

    def _failure(self, method: str) -> web.Response | None:
        for failure in self._failures:
            if method in failure.methods and failure.times > 0:
                failure.times -= 1
                headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
                return web.json_response(
                    {"error": {"code": "Throttled" if failure.status == 429 else
                               "ServiceUnavailable", "message": "try later"}},
                    status=failure.status, headers=headers)
        return None

    async def _record(self, request: web.Request, method: str) -> tuple[Call, web.Response | None]:
        body = await request.json() if request.can_read_body else {}
        cid, aid = request.match_info.get("cid"), request.match_info.get("aid")
        with self._lock:
            refused = self._failure(method)
            call = Call(method, cid, aid, body, refused.status if refused else 200,
                        request.headers.get("Authorization"))
            self.calls.append(call)
        return call, refused

    async def _create(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "create")
        if refused:
            return refused
        members = call.body.get("members") or [{}]
        user = members[0].get("aadObjectId") or members[0].get("id")
        conversation_id = f"a:chat-{user}"
        with self._lock:
            self.conversations.setdefault(conversation_id, [])
        return web.json_response({"id": conversation_id}, status=201)

    async def _post(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "post")
        return refused or self._store(call)

    async def _reply(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "reply")
        return refused or self._store(call)

    def _store(self, call: Call) -> web.Response:
        assert call.conversation_id is not None
        with self._lock:
            activity_id = self._next_id()
            stored = {**call.body, "id": activity_id}
            self.conversations.setdefault(call.conversation_id, []).append(stored)
            self._activities[activity_id] = stored
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        call, refused = await self._record(request, "update")
        if refused:
            return refused
        with self._lock:
            known = self._activities.get(call.activity_id or "")
            if known is None:
                call.status = 404
                return web.json_response({"error": {"code": "NotFound",
                                                    "message": "no such activity"}}, status=404)
            known.clear()
            known.update({**call.body, "id": call.activity_id})
        return web.json_response({"id": call.activity_id})

    async def _member(self, request: web.Request) -> web.Response:
        call, _ = await self._record(request, "member")
        with self._lock:
            member = self.members.get(request.match_info["mid"])
        if member is None:
            call.status = 404
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)


def card_of(body: dict[str, Any]) -> dict[str, Any] | None:
    for attachment in body.get("attachments") or []:
        if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
            return dict(attachment["content"])
    return None


def visible_text(body: dict[str, Any]) -> str:
    """Every piece of text a person would see in an activity: its text and its card."""
    parts: list[str] = [str(body["text"])] if body.get("text") else []
    card = card_of(body)
    if card is not None:
        _walk(card, parts)
    return "\n".join(parts)


def _walk(node: Any, parts: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, parts)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind in ("TextRun", "TextBlock") and "text" in node:
        parts.append(str(node["text"]))
    elif kind == "FactSet":
        parts += [f"{f['title']}: {f['value']}".replace("\\", "") for f in node["facts"]]
    elif str(kind).startswith(("Action.", "Input.")):
        parts += [str(node[k]) for k in ("title", "label") if node.get(k)]
    for key, value in node.items():
        if key not in ("data", "facts") and isinstance(value, list | dict):
            _walk(value, parts)


def submit_data(body: dict[str, Any], title: str) -> dict[str, Any]:
    """The data of the card's Action.Submit with this title (what pressing it sends back)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "Action.Submit" and node.get("title") == title:
                found.append(dict(node["data"]))
            for value in node.values():
                walk(value)

    walk(card_of(body))
    if not found:
        raise AssertionError(f"no button {title!r} in the card:\n{visible_text(body)}")
    return found[0]
