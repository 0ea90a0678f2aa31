"""`s3desk serve --workers N`: N server processes behind one port, one per core.

One process runs Python on one core at a time, so a server on a store that many processes
may share (PostgreSQL) runs one worker per core by default. The supervisor migrates the
store once, then forks the workers; each binds the same port with SO_REUSEPORT, so the
kernel spreads new connections over them, and runs the whole `serve` (web app, messenger,
scheduler). They share nothing but the store, exactly as replicas do: the messenger claims
outbox rows with `FOR UPDATE SKIP LOCKED`, reminders have deterministic keys and the
singletons take advisory locks, so a reminder goes out once whichever worker computes it.

SQLite takes one writer at a time and has neither SKIP LOCKED nor advisory locks: it runs
one worker, and asking for more is refused.

The supervisor forwards SIGTERM and SIGINT to the workers and waits for their graceful stop.
A worker that dies is started again; one that keeps dying stops the server with an error,
so whatever supervises `s3desk serve` sees it.

Migrations run in a short-lived child process, one worker or many: Alembic (and what it
imports) then never takes memory in a serving process.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType

from aiohttp import web

from bot.config import Settings
from storage.db import null_pool_database
from storage.migrate import upgrade

log = logging.getLogger("s3desk.workers")

WORKER_HEADER = "X-S3Desk-Worker"
STOP_SECONDS = 30.0
# a worker restarted this often within the window means something is wrong with all of them
RESTARTS, RESTART_WINDOW_SECONDS = 5, 60.0

Serve = Callable[[Settings, str, int, int], None]


class WorkersRefused(ValueError):
    """A worker count the store cannot take."""


def worker_count(settings: Settings, asked: int | None) -> int:
    """The number of workers: as asked, else one per core on PostgreSQL and one on SQLite."""
    sqlite = settings.database_url.startswith("sqlite")
    if asked is None:
        return 1 if sqlite else max(1, os.cpu_count() or 1)
    if asked < 1:
        raise WorkersRefused(f"--workers must be 1 or more, not {asked}")
    if sqlite and asked > 1:
        raise WorkersRefused(
            f"--workers {asked} needs PostgreSQL: a SQLite store takes one writer at a time "
            "and has no row locks to share the outbox, so it runs one worker "
            "(leave --workers out, or set DATABASE_URL to a PostgreSQL database)")
    if asked > 1 and not hasattr(socket, "SO_REUSEPORT"):
        raise WorkersRefused(f"--workers {asked} needs SO_REUSEPORT (Linux, BSD, macOS)")
    return asked


def mark_responses(app: web.Application, index: int) -> None:
    """Each answer says which worker gave it (operators and tests see the spread)."""
    async def _mark(_request: web.Request, response: web.StreamResponse) -> None:
        response.headers[WORKER_HEADER] = str(index)

    app.on_response_prepare.append(_mark)


def reserve_port(host: str, port: int) -> tuple[socket.socket, int]:
    """Bind (not listen) with SO_REUSEPORT: the port is ours before any worker starts, a
    port in use fails here, and port 0 becomes the one the workers share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock, int(sock.getsockname()[1])


def run_server(settings: Settings, host: str, port: int, asked: int | None) -> int:
    """`s3desk serve`: migrate, then serve in this process or in `--workers` processes."""
    try:
        count = worker_count(settings, asked)
    except WorkersRefused as exc:
        print(f"s3desk serve: {exc}", file=sys.stderr)
        return 2
    migrate_in_child(settings.database_url)
    if count == 1:
        from bot.server import serve

        asyncio.run(serve(settings, host, port, migrate=False))
        return 0
    return run_workers(settings, host, port, count)


def migrate_in_child(url: str) -> None:
    """Bring the store to the latest schema in a child process that then exits."""
    if "fork" in multiprocessing.get_all_start_methods():
        child: BaseProcess = multiprocessing.get_context("fork").Process(
            target=_migrate, args=(url,), name="s3desk-migrate")
    else:
        child = multiprocessing.get_context("spawn").Process(
            target=_migrate, args=(url,), name="s3desk-migrate")
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"s3desk serve: migrating the store failed (exit {child.exitcode})")


def _migrate(url: str) -> None:
    db = null_pool_database(url)
    try:
        upgrade(db)
    finally:
        db.dispose()


def serve_worker(settings: Settings, host: str, port: int, index: int) -> None:
    """One worker: the whole `serve` on the shared port, its answers marked with its index."""
    from bot.server import serve

    asyncio.run(serve(settings, host, port, migrate=False, reuse_port=True,
                      prepare_app=functools.partial(mark_responses, index=index)))


def run_workers(settings: Settings, host: str, port: int, count: int,
                serve_one: Serve = serve_worker) -> int:
    """Fork `count` workers running `serve_one` on one port and supervise them; exit code."""
    reserved, port = reserve_port(host, port)
    supervisor = _Supervisor(settings, host, port, serve_one)
    try:
        return supervisor.run(count)
    finally:
        reserved.close()


class _Supervisor:
    def __init__(self, settings: Settings, host: str, port: int, serve_one: Serve) -> None:
        self.settings = settings
        self.host = host
        self.port = port
        self.serve_one = serve_one
        self.context = multiprocessing.get_context("fork")
        self.workers: dict[int, BaseProcess] = {}
        self.restarts: list[float] = []
        self.stopping = False

    def run(self, count: int) -> int:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for index in range(1, count + 1):
                self._start(index)
            log.info("serving on http://%s:%s with %s workers", self.host, self.port, count)
            return self._supervise()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self, index: int) -> None:
        process = self.context.Process(
            target=_worker_main, name=f"s3desk-worker-{index}",
            args=(self.serve_one, self.settings, self.host, self.port, index))
        process.start()
        self.workers[index] = process

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def _supervise(self) -> int:
        while not self.stopping:
            for index, process in list(self.workers.items()):
                if process.is_alive() or self.stopping:
                    continue
                log.error("worker %s stopped (exit code %s); starting it again",
                          index, process.exitcode)
                if self._crash_looping():
                    log.error("workers keep stopping: stopping the server")
                    self._stop_all()
                    return 1
                self._start(index)
            time.sleep(0.2)
        self._stop_all()
        return 0

    def _crash_looping(self) -> bool:
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_SECONDS]
        self.restarts.append(now)
        return len(self.restarts) > RESTARTS

    def _stop_all(self) -> None:
        log.info("stopping %s workers", len(self.workers))
        for process in self.workers.values():
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for process in self.workers.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.warning("worker %s did not stop in time; killing it", process.name)
                process.kill()
                process.join(5)


def _worker_main(serve_one: Serve, settings: Settings, host: str, port: int,
                 index: int) -> None:
    # the supervisor's handlers were inherited by fork; the worker's own serve sets its own
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with contextlib.suppress(KeyboardInterrupt):
        serve_one(settings, host, port, index)
    sys.exit(0)
