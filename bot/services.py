"""The services one `s3desk serve` process runs, built in one place: the composition root.

Every platform installer and the web app receive this one typed object, so nothing asks
for "the app" globally and no module imports the server that imports it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.edge import Clock, system_clock
from bot.email.sender import SmtpConfig, SmtpSender
from bot.messenger import Messenger
from bot.metrics import MeteredDesk, Metrics
from bot.scheduler import Scheduler
from handlers.commands import load_registry
from handlers.core.desk import Desk
from storage.db import Database

LOOPBACK = "127.0.0.1"


@dataclass
class Services:
    settings: Settings
    db: Database
    desk: Desk
    messenger: Messenger
    scheduler: Scheduler
    clock: Clock
    metrics: Metrics
    # the address `s3desk serve` listens on: unsigned Teams activities only on loopback
    bind_host: str = LOOPBACK


def build_services(settings: Settings, clock: Clock = system_clock,
                   db: Database | None = None, *, bind_host: str = LOOPBACK) -> Services:
    db = db or Database(settings.database_url)
    config = settings.programme()
    metrics = Metrics()
    desk = MeteredDesk(db, load_registry(), config, metrics)
    messenger = Messenger(db, clock=clock, on_delivered=metrics.delivered)
    if settings.smtp_enabled:
        messenger.register(SmtpSender(SmtpConfig.from_settings(settings), clock))
    scheduler = Scheduler(db, config, messenger, clock)
    return Services(settings, db, desk, messenger, scheduler, clock, metrics, bind_host)
