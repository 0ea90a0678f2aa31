"""What `/metrics` reports, through prometheus_client: commands, the outbox, deliveries,
the scheduler tick, and the process itself.

Every label comes from a closed set: the platform an adapter names, the verb as the
command registry knows it (`unknown` for anything else, never the words typed), an outcome
or an outbox state. Each `Services` has a registry of its own, so tests may build many.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.logs import log_command
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.parse import ParseError, tokenize
from handlers.core.registry import Registry
from handlers.core.types import Outcome
from storage.db import Database

UNKNOWN_VERB = "unknown"
# commands answer in milliseconds; a slow store or a big export takes seconds
COMMAND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# from falling due to the platform's ok: pacing and retries make it seconds to hours
DELIVERY_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 21600.0)


def verb_of(registry: Registry, text: str) -> str:
    """The registered verb the text starts with, or `unknown`: never free text."""
    try:
        words = [token.value for token in tokenize(text)[:3]]
    except ParseError:
        return UNKNOWN_VERB
    command, _ = registry.lookup(words or ["help"])
    return command.verb if command is not None else UNKNOWN_VERB


class Metrics:
    """The process's own metrics: what it answered and delivered, and its CPU and memory."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        self.command_seconds = Histogram(
            "s3desk_command_seconds", "Time to answer a command, by platform and verb.",
            ("platform", "verb"), buckets=COMMAND_BUCKETS, registry=self.registry)
        self.commands = Counter(
            "s3desk_commands_handled", "Commands answered, by platform and result.",
            ("platform", "result"), registry=self.registry)
        self.delivery_seconds = Histogram(
            "s3desk_delivery_seconds",
            "From an outbox row falling due to the platform taking it, by platform.",
            ("platform",), buckets=DELIVERY_BUCKETS, registry=self.registry)

    def command_handled(self, platform: str, verb: str, result: str, seconds: float) -> None:
        self.command_seconds.labels(platform, verb).observe(seconds)
        self.commands.labels(platform, result).inc()

    def delivered(self, platform: str, seconds: float) -> None:
        self.delivery_seconds.labels(platform).observe(max(0.0, seconds))

    def exposition(self, live: Iterable[GaugeMetricFamily | CounterMetricFamily]) -> bytes:
        """The text a scrape gets: this registry, then the families read for this scrape."""
        return generate_latest(_Scrape(self.registry, list(live)))


class _Scrape(Collector):
    def __init__(self, registry: CollectorRegistry,
                 live: list[GaugeMetricFamily | CounterMetricFamily]) -> None:
        self.registry = registry
        self.live = live

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        yield from self.registry.collect()  # type: ignore[misc]
        yield from self.live


class MeteredDesk(Desk):
    """The desk, timing and counting each command and logging one line for it."""

    def __init__(self, db: Database, registry: Registry, config: ProgrammeConfig,
                 metrics: Metrics) -> None:
        super().__init__(db, registry, config)
        self.metrics = metrics

    def handle(self, inbound: Inbound) -> Outcome:
        started = time.perf_counter()
        outcome = super().handle(inbound)
        seconds = time.perf_counter() - started
        verb = verb_of(self.registry, inbound.text)
        result = "error" if outcome.reply.tone == "error" else "ok"
        self.metrics.command_handled(inbound.platform, verb, result, seconds)
        log_command(inbound.platform, verb, result, seconds)
        return outcome


@dataclass(frozen=True)
class OutboxState:
    """One outbox state as a scrape reads it: rows, and the oldest due row still waiting."""

    rows: int
    oldest_due: datetime | None


def live_families(
    *, outbox: dict[str, OutboxState] | None, now: datetime, tick_age: float | None,
    ticks: int, tick_failures: int, deliveries: dict[str, int],
) -> list[GaugeMetricFamily | CounterMetricFamily]:
    """The values read at scrape time: the store's outbox, the tick, this worker's results."""
    up = GaugeMetricFamily("s3desk_up", "1 when the store answered this scrape.",
                           value=1.0 if outbox is not None else 0.0)
    families: list[GaugeMetricFamily | CounterMetricFamily] = [up]
    if outbox is not None:
        depth = GaugeMetricFamily("s3desk_outbox_messages", "Outbox rows by state.",
                                  labels=("status",))
        age = GaugeMetricFamily(
            "s3desk_outbox_oldest_due_seconds",
            "Seconds since the oldest due row still waiting in this state fell due.",
            labels=("status",))
        for status, state in sorted(outbox.items()):
            depth.add_metric((status,), float(state.rows))
            if status in ("pending", "sending"):
                waited = (now - state.oldest_due).total_seconds() if state.oldest_due else 0.0
                age.add_metric((status,), max(0.0, waited))
        families += [depth, age]
    families.append(GaugeMetricFamily(
        "s3desk_scheduler_tick_age_seconds", "Seconds since the last good tick.",
        value=tick_age if tick_age is not None else float("nan")))
    ticked = CounterMetricFamily("s3desk_scheduler_ticks", "Ticks run by this worker.",
                                 labels=("result",))
    ticked.add_metric(("ok",), float(ticks))
    ticked.add_metric(("failed",), float(tick_failures))
    settled = CounterMetricFamily("s3desk_deliveries", "Outbox rows this worker settled.",
                                  labels=("result",))
    for result, count in sorted(deliveries.items()):
        settled.add_metric((result,), float(count))
    return [*families, ticked, settled]
