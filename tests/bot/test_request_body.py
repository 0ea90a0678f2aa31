"""Request bodies on the real web app: a client gone mid-body is one INFO line, a body that
never finishes gets 408 after the read deadline, a whole body reaches the endpoint."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from bot import request_body
from bot.config import Settings
from bot.services import build_services
from bot.web import build_web_app
from storage.db import Database

HEAD = (b"POST /api/messages HTTP/1.1\r\nHost: desk\r\nContent-Type: application/json\r\n"
        b"Content-Length: 5000\r\n\r\n")


@asynccontextmanager
async def serving(db: Database) -> AsyncIterator[int]:
    services = build_services(Settings.from_env({"DATABASE_URL": db.url}), db=db)
    runner = web.AppRunner(build_web_app(services))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None and server.sockets
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        await runner.cleanup()


def exchange(port: int, send: Callable[[socket.socket], None]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        send(client)
        try:
            return client.recv(4096)
        except OSError:
            return b""


def test_a_client_gone_mid_body_is_one_info_line(
        db: Database, caplog: pytest.LogCaptureFixture) -> None:
    def hang_up(client: socket.socket) -> None:
        client.sendall(HEAD + b'{"type": "mess')
        client.shutdown(socket.SHUT_WR)

    async def scenario() -> None:
        async with serving(db) as port:
            await asyncio.to_thread(exchange, port, hang_up)
            await asyncio.sleep(0.2)  # let the server notice

    with caplog.at_level(logging.DEBUG):
        asyncio.run(scenario())
    mine = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(mine) == 1 and mine[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "Traceback" not in caplog.text


def test_a_body_that_never_finishes_is_answered_408(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(request_body, "BODY_READ_SECONDS", 0.2)

    def dribble(client: socket.socket) -> None:
        client.sendall(HEAD + b'{"type": "mess')  # and nothing more, connection kept open

    async def scenario() -> bytes:
        async with serving(db) as port:
            return await asyncio.to_thread(exchange, port, dribble)

    answer = asyncio.run(scenario())
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]


def test_a_whole_body_still_reaches_the_endpoint(db: Database) -> None:
    def malformed(client: socket.socket) -> None:
        body = b'{"type": "message"}'
        client.sendall(HEAD.replace(b"5000", str(len(body)).encode()) + body)

    async def scenario() -> bytes:
        async with serving(db) as port:
            return await asyncio.to_thread(exchange, port, malformed)

    # the Teams endpoint read it and refused the activity as incomplete
    assert asyncio.run(scenario()).startswith(b"HTTP/1.1 400")
