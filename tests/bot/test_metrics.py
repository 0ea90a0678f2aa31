"""/metrics through prometheus_client, read back with prometheus_client's own parser.

Commands are timed per platform and registry verb (never the words typed), the outbox is
reported per state with the age of its oldest due row, deliveries by how late they were,
the tick by its age, and the process by its CPU and memory.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import UNKNOWN_VERB, verb_of
from handlers.commands import load_registry
from handlers.core.desk import Inbound
from storage.db import Database
from tests.bot.test_server import NOW, call, services_for
from tests.conftest import make_person
from tests.fakes.platform import FakeSender, FrozenClock
from tests.reminder_helpers import add_row

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(text: str) -> tuple[Samples, dict[str, str]]:
    """Every sample by (name, labels), and every family's type, as Prometheus reads them."""
    samples: Samples = {}
    types: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, types


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


def test_verbs_come_from_the_registry_never_from_the_text() -> None:
    registry = load_registry()
    assert verb_of(registry, "list q:Maria Rossi") == "list"
    assert verb_of(registry, "cutoffs add 2027-03-31") == "cutoffs add"
    assert verb_of(registry, "") == "help"
    assert verb_of(registry, "Maria Rossi phoned") == UNKNOWN_VERB
    assert verb_of(registry, 'unclosed "quote') == UNKNOWN_VERB


def test_commands_are_timed_per_platform_and_verb(db: Database) -> None:
    clock = FrozenClock(NOW)
    services = services_for(db, clock)
    make_person(db, "sec", "secretariat")
    for text in ("help", "list q:Rossi", "list", "Giulia's private note"):
        services.desk.handle(Inbound("console", "sec", text, NOW))
    status, content_type, text = call(services, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    samples, types = scrape(text)
    assert types["s3desk_command_seconds"] == "histogram"
    assert value(samples, "s3desk_command_seconds_count", platform="console", verb="list") == 2
    assert value(samples, "s3desk_command_seconds_count", platform="console", verb="help") == 1
    assert value(samples, "s3desk_command_seconds_count", platform="console",
                 verb=UNKNOWN_VERB) == 1
    assert value(samples, "s3desk_command_seconds_bucket", platform="console", verb="list",
                 le="+Inf") == 2
    assert value(samples, "s3desk_commands_handled_total", platform="console",
                 result="ok") == 3
    assert value(samples, "s3desk_commands_handled_total", platform="console",
                 result="error") == 1
    labels = {v for _, pairs in samples for _, v in pairs}
    assert not any("Rossi" in v or "Giulia" in v for v in labels)


def test_outbox_depth_and_age_per_state_and_the_tick(db: Database) -> None:
    clock = FrozenClock(NOW)
    services = services_for(db, clock)
    add_row(db, "late", due=NOW - timedelta(minutes=10))
    add_row(db, "due", due=NOW - timedelta(minutes=1))
    add_row(db, "next-week", due=NOW + timedelta(days=7))
    add_row(db, "held", due=NOW - timedelta(seconds=40), status="sending",
            lease_until=NOW + timedelta(minutes=4), claimed_by="w1", attempts=1)
    add_row(db, "gone", due=NOW - timedelta(days=2), status="failed")
    asyncio.run(services.scheduler.tick())
    clock.advance(seconds=30)
    samples, types = scrape(call(services, "/metrics")[2])
    assert types["s3desk_outbox_messages"] == "gauge"
    assert value(samples, "s3desk_outbox_messages", status="pending") == 3
    assert value(samples, "s3desk_outbox_messages", status="sending") == 1
    assert value(samples, "s3desk_outbox_messages", status="failed") == 1
    assert value(samples, "s3desk_outbox_messages", status="sent") == 0
    # the oldest due row still waiting: ten minutes, plus the thirty seconds the clock moved
    assert value(samples, "s3desk_outbox_oldest_due_seconds", status="pending") == 630
    assert value(samples, "s3desk_outbox_oldest_due_seconds", status="sending") == 70
    assert value(samples, "s3desk_scheduler_tick_age_seconds") == 30
    assert value(samples, "s3desk_scheduler_ticks_total", result="ok") == 1
    assert value(samples, "s3desk_up") == 1


def test_delivery_latency_counts_from_falling_due_to_the_platform_taking_it(
    db: Database
) -> None:
    clock = FrozenClock(NOW)
    services = services_for(db, clock)
    services.messenger.pacer.pace_seconds = 0
    services.messenger.register(FakeSender())
    add_row(db, "reminder", due=NOW - timedelta(seconds=90))
    assert asyncio.run(services.messenger.deliver_due()) == 1
    samples, types = scrape(call(services, "/metrics")[2])
    assert types["s3desk_delivery_seconds"] == "histogram"
    assert value(samples, "s3desk_delivery_seconds_count", platform="slack") == 1
    assert value(samples, "s3desk_delivery_seconds_sum", platform="slack") == 90
    assert value(samples, "s3desk_delivery_seconds_bucket", platform="slack", le="60.0") == 0
    assert value(samples, "s3desk_delivery_seconds_bucket", platform="slack", le="300.0") == 1
    assert value(samples, "s3desk_deliveries_total", result="sent") == 1


def test_process_metrics_are_reported(db: Database) -> None:
    samples, _ = scrape(call(services_for(db, FrozenClock(NOW)), "/metrics")[2])
    names = {name for name, _ in samples}
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes",
            "process_open_fds", "python_info"} <= names
    assert value(samples, "process_resident_memory_bytes") > 0

