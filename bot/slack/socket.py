"""`s3desk slack-socket`: the Slack side over Socket Mode, for a workspace with no public URL.

The same AsyncApp and listeners as HTTP mode; Slack delivers requests over an outbound
WebSocket opened with the app-level token (`SLACK_APP_TOKEN`, `xapp-…`), so no request
signature is involved. The process also runs the messenger (posting the outbox to Slack)
and the scheduler tick, as `s3desk serve` does; run one or the other for a workspace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import typer

from bot.cli.support import settings as load_settings
from bot.config import Settings
from bot.edge import freeze_start_up
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.runtime import SlackRuntime
from bot.slack.sender import SlackSender
from bot.store_lock import lock_store
from storage.migrate import upgrade

log = logging.getLogger("s3desk.slack.socket")

MISSING = ("Socket Mode needs SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…, an "
           "app-level token with the connections:write scope).")


async def run_socket_mode(settings: Settings, stop: asyncio.Event | None = None) -> None:
    # imported here: every `s3desk` command loads this module to register `slack-socket`,
    # and `serve` need not keep the WebSocket client in memory
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from bot.services import build_services

    assert settings.slack_bot_token is not None and settings.slack_app_token is not None
    services = build_services(settings)
    store_lock = lock_store(services.db, "s3desk slack-socket")
    await asyncio.to_thread(upgrade, services.db)
    runtime = SlackRuntime(services.desk, services.messenger, services.clock)
    app = build_app(runtime, settings.slack_bot_token.get_secret_value(),
                    settings.slack_api_url)
    services.messenger.register(SlackSender(make_client(
        settings.slack_bot_token.get_secret_value(), settings.slack_api_url)))
    handler = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await handler.connect_async()
    services.scheduler.start()
    services.messenger.start()
    freeze_start_up()
    log.info("connected to Slack over Socket Mode")
    try:
        await stop.wait()
    finally:
        await handler.close_async()
        await runtime.after_ack.drain()
        await services.scheduler.stop()
        await services.messenger.stop()
        services.db.dispose()
        store_lock.release()


def slack_socket() -> None:
    """Run the Slack side over Socket Mode (no public URL needed)."""
    settings = load_settings()
    if settings.slack_bot_token is None or settings.slack_app_token is None:
        typer.echo(f"s3desk: {MISSING}", err=True)
        raise typer.Exit(2)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_socket_mode(settings))


def register(cli: typer.Typer) -> None:
    cli.command("slack-socket")(slack_socket)
