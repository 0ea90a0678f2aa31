"""One measurement of one store: generate it, load S3 Desk and the bare app (the mix, then
each command alone), time each command's SQL run directly, time the sweep; on the largest
PostgreSQL store, load `serve --workers N` for several N."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import passes, profile, scenario, timings
from bench.datagen import generate
from bench.fake_slack import FakeSlack
from bench.limit import sql_costs
from bench.load import Command, LevelResult, Summary, run_level, run_levels
from bench.processes import (
    BARE_COMMAND,
    DESK_COMMAND,
    SIGNING_SECRET,
    ServerProcess,
    slack_env,
)
from bench.results import LevelRow, RunResults, ServerRun, Timing
from bench.rss import tree_cpu_seconds, worker_peak_rss_mb
from bench.stores import fresh_store
from storage.db import Database


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    databases: tuple[str, ...]
    requests: int
    concurrency: tuple[int, ...]
    work_dir: Path
    profile_dir: Path | None = None
    delivery_rows: int = 1000
    warmup: int = 50
    # each command alone: requests per concurrency level
    alone_requests: int = 600
    alone_concurrency: tuple[int, ...] = (1, 10)
    # `serve --workers N` for each N (PostgreSQL, largest size); none to skip
    workers: tuple[int, ...] = ()
    workers_concurrency: int = 20


def measure_store(kind: str, size: int, options: Options, results: RunResults,
                  slack: FakeSlack) -> None:
    with fresh_store(kind, f"{kind}_{size}", options.work_dir) as url:
        db = Database(url)
        try:
            dataset = generate(db, size, datetime.now(UTC))
        finally:
            db.dispose()
        results.datagen.append(Timing("datagen", kind, size, {
            "seconds": f"{dataset.seconds:.1f}",
            "rows": f"{sum(dataset.rows.values()):,}",
        }))
        env = {**slack_env(slack.api_url), "DATABASE_URL": url}
        mix = scenario.commands(dataset)
        label = f"{kind}-{size}"
        by_label = scenario.alone(dataset)
        results.servers.append(measure_server(
            "s3desk", DESK_COMMAND, env, mix, kind, size, options, slack, label,
            lambda server: results.alone.extend(passes.alone(
                server, by_label, f"{slack.base_url}/response", options.alone_concurrency,
                options.alone_requests, kind, size))))
        results.servers.append(measure_server(
            "bare", BARE_COMMAND, env, mix, kind, size, options, slack, label))
        for command, cost in sql_costs(url, {k: v[0] for k, v in by_label.items()}).items():
            results.sql[(kind, size, command)] = cost
        if kind == "postgres" and size == max(options.sizes) and options.workers:
            results.workers.extend(passes.workers(
                env, mix, f"{slack.base_url}/response", options.workers,
                options.workers_concurrency, options.requests, options.work_dir, kind, size))
        results.timings.extend(_guarded("due-sweep", kind, size,
                                        lambda: [timings.time_sweep(url, kind, size)]))
        if size == min(options.sizes):
            results.timings.extend(_guarded("delivery", kind, size, lambda: timings.time_delivery(
                url, kind, size, slack, options.delivery_rows)))


def _guarded(name: str, kind: str, size: int,
             measure: Callable[[], list[Timing]]) -> list[Timing]:
    """A measurement that breaks is reported as such; the rest of the run goes on."""
    try:
        return measure()
    except Exception as exc:
        traceback.print_exc()
        return [Timing(name, kind, size, {}, f"failed: {type(exc).__name__}: {exc}")]


def measure_server(name: str, argv: Sequence[str], env: dict[str, str], mix: list[Command],
                   kind: str, size: int, options: Options, slack: FakeSlack, label: str,
                   more: Callable[[ServerProcess], None] | None = None) -> ServerRun:
    """The mix at each concurrency level (S3 Desk as one worker), then `more` passes."""
    response_url = f"{slack.base_url}/response"
    one_worker = ("--workers", "1") if name == "s3desk" else ()
    server = ServerProcess(f"{name}-{label}", argv, env, options.work_dir, one_worker)
    with server:
        levels = asyncio.run(run_levels(f"{server.url}/slack/events", mix, SIGNING_SECRET,
                                        response_url, options.concurrency, options.requests,
                                        warmup=options.warmup,
                                        server_cpu=lambda: tree_cpu_seconds(server.pid)))
        if more is not None:
            more(server)
        peak = worker_peak_rss_mb(server.pid)
        if options.profile_dir is not None and name == "s3desk":
            profile.profile_server(server.pid, options.profile_dir / f"{label}.txt",
                                   lambda: _profile_load(server.url, mix, response_url,
                                                         options.requests))
    rows = tuple(level_row(kind, size, name, level) for level in levels)
    return ServerRun(kind, size, name, rows, peak)


def _profile_load(url: str, mix: list[Command], response_url: str, count: int) -> None:
    from bench.load import prepare

    requests = prepare(mix, count, SIGNING_SECRET, response_url)
    asyncio.run(run_level(f"{url}/slack/events", requests, 10))


def level_row(kind: str, size: int, name: str, level: LevelResult) -> LevelRow:
    return LevelRow(
        database=kind, size=size, server=name, concurrency=level.concurrency,
        summary=level.summary, throughput=level.throughput, errors=level.errors,
        by_command={label: Summary.of(values) for label, values in level.by_label.items()},
        first_error=level.first_error, cpu_ms=level.server_cpu_ms_per_request,
    )
