"""`s3desk serve`: one aiohttp server for Slack, Teams, /healthz and /metrics, plus the
messenger and the scheduler tick, wired once here.

`build_services` is the composition root every platform installer receives; `serve` runs
the migrations, starts everything, and on SIGTERM or SIGINT stops taking requests, stops the
tick, lets the messenger finish the rows in hand, and closes the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

import typer
from aiohttp import web

from bot.config import Settings, load_settings
from bot.edge import Clock, system_clock
from bot.messenger import Messenger
from bot.scheduler import Scheduler
from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.registry import Registry
from handlers.core.types import Outcome
from storage.db import Database
from storage.migrate import upgrade

log = logging.getLogger("s3desk.server")


@dataclass
class Metrics:
    """Counters /metrics reports; commands run in worker threads, hence the lock."""

    commands: Counter[tuple[str, str]] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def command_handled(self, platform: str, result: str) -> None:
        with self._lock:
            self.commands[(platform, result)] += 1

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self.commands)


class MeteredDesk(Desk):
    """The desk, counting each command it answers by platform and outcome."""

    def __init__(self, db: Database, registry: Registry, config: ProgrammeConfig,
                 metrics: Metrics) -> None:
        super().__init__(db, registry, config)
        self.metrics = metrics

    def handle(self, inbound: Inbound) -> Outcome:
        outcome = super().handle(inbound)
        result = "error" if outcome.reply.tone == "error" else "ok"
        self.metrics.command_handled(inbound.platform, result)
        return outcome


@dataclass
class Services:
    settings: Settings
    db: Database
    desk: Desk
    messenger: Messenger
    scheduler: Scheduler
    clock: Clock
    metrics: Metrics


def build_services(settings: Settings, clock: Clock = system_clock,
                   db: Database | None = None) -> Services:
    db = db or Database(settings.database_url)
    config = settings.programme()
    metrics = Metrics()
    desk = MeteredDesk(db, load_registry(), config, metrics)
    messenger = Messenger(db, clock=clock)
    scheduler = Scheduler(db, config, messenger, clock)
    return Services(settings, db, desk, messenger, scheduler, clock, metrics)


async def serve(settings: Settings, host: str = "127.0.0.1", port: int = 3978,
                *, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM / SIGINT (or until `stop` is set)."""
    from bot.web import build_web_app

    services = build_services(settings)
    await asyncio.to_thread(upgrade, services.db)
    if services.db.is_sqlite:
        log.info("SQLite store: run a single replica of `s3desk serve`")
    app = build_web_app(services)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # not available off the main thread or on some platforms: `stop` still works
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    services.scheduler.start()
    services.messenger.start()
    log.info("serving on http://%s:%s (worker %s)", host, port, services.messenger.worker_id)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        await runner.cleanup()
        await services.scheduler.stop()
        await services.messenger.stop()
        services.db.dispose()


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3978,
) -> None:
    """Run the server: Slack, Teams, /healthz, /metrics, the messenger and the scheduler."""
    settings = load_settings()
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # a server says what it is doing (start, stop, refused requests) even when the CLI is quiet
    ours = logging.getLogger("s3desk")
    if ours.getEffectiveLevel() > logging.INFO:
        ours.setLevel(logging.INFO)
    asyncio.run(serve(settings, host, port))


def register(cli: typer.Typer) -> None:
    cli.command("serve")(serve_command)
