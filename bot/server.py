"""`s3desk serve`: one aiohttp server for Slack, Teams, /healthz and /metrics, plus the
messenger and the scheduler tick.

`serve` builds the services (`bot.services`), takes a SQLite store for itself alone
(`bot.store_lock`), runs the migrations, starts everything, and on SIGTERM or SIGINT claims
no more outbox rows, stops taking requests and lets those in progress finish, stops the
tick, lets the sends at the platform finish and hands the other claimed rows back for
another replica (all within S3DESK_STOP_GRACE_SECONDS), and closes the store's connection
pool.
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

from bot.cli.support import settings as load_settings
from bot.config import Settings
from bot.edge import freeze_start_up
from bot.logs import configure_logging
from bot.services import build_services
from bot.store_lock import lock_store
from bot.web import build_web_app
from storage.migrate import upgrade

log = logging.getLogger("s3desk.server")


async def serve(settings: Settings, host: str = "127.0.0.1", port: int = 3978,
                *, stop: asyncio.Event | None = None, migrate: bool = True,
                reuse_port: bool = False,
                prepare_app: Callable[[web.Application], None] | None = None) -> None:
    """Run until SIGTERM / SIGINT (or until `stop` is set). `bot.workers` runs several on
    one port (`reuse_port`), the store migrated before (`migrate=False`)."""
    services = build_services(settings, bind_host=host)
    app = build_web_app(services)  # refuses unsafe platform settings before anything else
    store_lock = lock_store(services.db)
    if migrate:
        await asyncio.to_thread(upgrade, services.db)
    if services.db.is_sqlite:
        log.info("SQLite store: run a single replica of `s3desk serve`")
    if prepare_app is not None:
        prepare_app(app)
    grace = settings.stop_grace_seconds
    runner = web.AppRunner(app, shutdown_timeout=grace)
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
    freeze_start_up()
    log.info("serving on http://%s:%s (worker %s)", host, port, services.messenger.worker_id)
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        # one grace period for all of it: sends go on while requests finish
        deadline = loop.time() + grace
        services.messenger.stop_claiming()
        await runner.cleanup()
        await services.scheduler.stop()
        await services.messenger.stop(max(0.0, deadline - loop.time()))
        services.db.dispose()
        log.info("stopped: outbox rows %s", dict(services.messenger.results) or "none")
        store_lock.release()


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3978,
    workers: Annotated[int | None, typer.Option(
        help="Server processes sharing the port [default: one per core on PostgreSQL, "
             "1 on SQLite].", show_default=False)] = None,
) -> None:
    """Run the server: Slack, Teams, /healthz, /metrics, the messenger and the scheduler."""
    settings = load_settings()
    configure_logging(settings.log_format,
                      debug=logging.getLogger().getEffectiveLevel() <= logging.DEBUG)
    from bot.workers import run_server

    sys.exit(run_server(settings, host, port, workers))


def register(cli: typer.Typer) -> None:
    cli.command("serve")(serve_command)
