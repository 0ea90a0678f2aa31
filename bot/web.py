"""The one aiohttp application: platform endpoints, /healthz and /metrics.

/healthz answers 503 when the store does not answer or the scheduler has not ticked for
three minutes, so an orchestrator restarts a replica whose reminders have stopped.
/metrics speaks the Prometheus text format (written here; it is a handful of lines).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import text

from bot.request_body import read_body_first
from bot.services import Services
from storage.outbox_views import counts_by_status

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
    app = web.Application(middlewares=[read_body_first])
    app[SERVICES] = services
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
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
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str,
               samples: list[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            tags = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()))
            lines.append(f"{name}{{{tags}}} {_number(value)}" if tags
                         else f"{name} {_number(value)}")

    try:
        with_db = await asyncio.wait_for(asyncio.to_thread(_outbox_counts, services),
                                         DB_CHECK_SECONDS)
    except Exception:
        with_db = None
    metric("s3desk_up", "gauge", "1 when the store answered this scrape.",
           [({}, 1.0 if with_db is not None else 0.0)])
    if with_db is not None:
        metric("s3desk_outbox_messages", "gauge", "Outbox rows by status.",
               [({"status": s}, float(n)) for s, n in sorted(with_db.items())])
    metric("s3desk_commands_handled_total", "counter", "Commands answered, by platform.",
           [({"platform": p, "result": r}, float(n))
            for (p, r), n in sorted(services.metrics.snapshot().items())])
    sent = dict(services.messenger.results)
    metric("s3desk_deliveries_total", "counter", "Outbox rows this worker settled, by result.",
           [({"result": r}, float(n)) for r, n in sorted(sent.items())])
    scheduler = services.scheduler
    age = scheduler.tick_age(services.clock())
    metric("s3desk_scheduler_tick_age_seconds", "gauge", "Seconds since the last good tick.",
           [({}, age if age is not None else float("nan"))])
    metric("s3desk_scheduler_ticks_total", "counter", "Ticks run by this worker.",
           [({"result": "ok"}, float(scheduler.ticks)),
            ({"result": "failed"}, float(scheduler.failures))])
    return web.Response(body=("\n".join(lines) + "\n").encode(),
                        headers={"Content-Type": PROMETHEUS_TEXT})


def _outbox_counts(services: Services) -> dict[str, int]:
    with services.db.read() as session:
        return counts_by_status(session)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value != value:  # NaN
        return "NaN"
    return str(int(value)) if float(value).is_integer() else repr(value)
