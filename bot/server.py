"""`s3desk serve`: one aiohttp server for Slack, Teams, /healthz and /metrics, plus the
messenger and the scheduler tick.

`serve` builds the services (`bot.services`), runs the migrations, starts everything, and on
SIGTERM or SIGINT stops taking requests, stops the tick, lets the messenger finish the rows
in hand, and closes the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from aiohttp import web

from bot.config import Settings, load_settings
from bot.services import build_services
from bot.web import build_web_app
from storage.migrate import upgrade

log = logging.getLogger("s3desk.server")


async def serve(settings: Settings, host: str = "127.0.0.1", port: int = 3978,
                *, stop: asyncio.Event | None = None, migrate: bool = True,
                reuse_port: bool = False,
                prepare_app: Callable[[web.Application], None] | None = None) -> None:
    """Run until SIGTERM / SIGINT (or until `stop` is set). `bot.workers` runs several on
    one port (`reuse_port`), the store migrated before (`migrate=False`)."""
    services = build_services(settings)
    if migrate:
        await asyncio.to_thread(upgrade, services.db)
    if services.db.is_sqlite:
        log.info("SQLite store: run a single replica of `s3desk serve`")
    app = build_web_app(services)
    if prepare_app is not None:
        prepare_app(app)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_port=reuse_port or None)
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
    workers: Annotated[int | None, typer.Option(
        help="Server processes sharing the port [default: one per core on PostgreSQL, "
             "1 on SQLite].", show_default=False)] = None,
) -> None:
    """Run the server: Slack, Teams, /healthz, /metrics, the messenger and the scheduler."""
    settings = load_settings()
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # a server says what it is doing (start, stop, refused requests) even when the CLI is quiet
    ours = logging.getLogger("s3desk")
    if ours.getEffectiveLevel() > logging.INFO:
        ours.setLevel(logging.INFO)
    from bot.workers import run_server

    sys.exit(run_server(settings, host, port, workers))


def register(cli: typer.Typer) -> None:
    cli.command("serve")(serve_command)
