"""The one aiohttp application: platform endpoints, /healthz and /metrics.

/healthz answers 503 when the store does not answer or the scheduler has not ticked for
three minutes, so an orchestrator restarts a replica whose reminders have stopped.
/metrics speaks the Prometheus text format through prometheus_client (bot/metrics.py).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import text

from bot import calendar_feed, charts
from bot.logs import request_ids
from bot.metrics import OutboxState, live_families
from bot.request_body import read_body_first
from bot.services import Services
from storage.outbox_views import depth_and_oldest_due

log = logging.getLogger("s3desk.web")

SERVICES: web.AppKey[Services] = web.AppKey("services", Services)
STALE_TICK_SECONDS = 180.0
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
DB_CHECK_SECONDS = 3.0
Installer = Callable[[web.Application, Services], None]
# (module, needs Slack credentials): each exposes `install(app, services)`
PLATFORM_MODULES: tuple[tuple[str, bool], ...] = (
    ("bot.slack.http", True),
    ("bot.teams.lazy", False),
)


def _platform_installers(
    services: Services, modules: tuple[tuple[str, bool], ...] = PLATFORM_MODULES
) -> list[tuple[str, Installer]]:
    """The installers of the platforms to serve; Slack only when it is configured."""
    return [
        (name, importlib.import_module(name).install)
        for name, needs_slack in modules
        if services.settings.slack_enabled or not needs_slack
    ]


def build_web_app(services: Services, *, platforms: bool = True) -> web.Application:
    app = web.Application(middlewares=[request_ids, read_body_first])
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    # chart pictures (GET /charts/<token>.png) and the calendar feed (GET /calendar.ics)
    charts.install(app, services)
    calendar_feed.install(app, services)
    if platforms:
        for name, install in _platform_installers(services):
            install(app, services)
            log.info("installed %s", name)
    return app


async def database_ok(services: Services) -> bool:
    def ping() -> None:
        with services.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(asyncio.to_thread(ping), DB_CHECK_SECONDS)
    except Exception as exc:
        log.warning("health check: the store does not answer (%s)", type(exc).__name__)
        return False
    return True


async def healthz(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    now = services.clock()
    db_ok = await database_ok(services)
    scheduler = services.scheduler
    age = scheduler.tick_age(now)
    tick_ok = age is not None and age <= STALE_TICK_SECONDS
    body = {
        "status": "ok" if db_ok and tick_ok else "failing",
        "database": "ok" if db_ok else "unreachable",
        "scheduler": {
            "last_tick": _iso(scheduler.last_tick),
            "tick_age_seconds": None if age is None else round(age, 1),
            "status": "ok" if tick_ok else ("stopped" if age is None else "stale"),
        },
    }
    return web.json_response(body, status=200 if db_ok and tick_ok else 503)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def metrics(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES]
    now = services.clock()
    try:
        outbox = await asyncio.wait_for(asyncio.to_thread(_outbox_states, services, now),
                                        DB_CHECK_SECONDS)
    except Exception:
        outbox = None
    scheduler = services.scheduler
    live = live_families(
        outbox=outbox, now=now, tick_age=scheduler.tick_age(now), ticks=scheduler.ticks,
        tick_failures=scheduler.failures, deliveries=dict(services.messenger.results))
    return web.Response(body=services.metrics.exposition(live),
                        headers={"Content-Type": PROMETHEUS_TEXT})


def _outbox_states(services: Services, now: datetime) -> dict[str, OutboxState]:
    with services.db.read() as session:
        return {status: OutboxState(rows, oldest)
                for status, (rows, oldest) in depth_and_oldest_due(session, now).items()}
