"""The services one `s3desk serve` process runs, built in one place: the composition root.

Every platform installer and the web app receive this one typed object, so nothing asks
for "the app" globally and no module imports the server that imports it.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from bot.config import Settings
from bot.edge import Clock, system_clock
from bot.messenger import Messenger
from bot.scheduler import Scheduler
from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.registry import Registry
from handlers.core.types import Outcome
from storage.db import Database

LOOPBACK = "127.0.0.1"


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
    # the address `s3desk serve` listens on: unsigned Teams activities only on loopback
    bind_host: str = LOOPBACK


def build_services(settings: Settings, clock: Clock = system_clock,
                   db: Database | None = None, *, bind_host: str = LOOPBACK) -> Services:
    db = db or Database(settings.database_url)
    config = settings.programme()
    metrics = Metrics()
    desk = MeteredDesk(db, load_registry(), config, metrics)
    messenger = Messenger(db, clock=clock)
    scheduler = Scheduler(db, config, messenger, clock)
    return Services(settings, db, desk, messenger, scheduler, clock, metrics, bind_host)
