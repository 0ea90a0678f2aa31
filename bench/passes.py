"""Load passes besides the mix: each command alone (its own CPU per request), and the mix
against `serve --workers N` for several N (throughput as processes are added)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.load import Command, LevelResult, prepare, run_level
from bench.processes import DESK_COMMAND, SIGNING_SECRET, ServerProcess
from bench.results import AloneRow, WorkersRow
from bench.rss import tree_cpu_seconds, worker_peak_rss_mb

WARMUP = 100


async def _measured(url: str, commands: Sequence[Command], response_url: str, count: int,
                    concurrency: int, server_cpu: Callable[[], float | None]) -> LevelResult:
    requests = prepare(commands, count, SIGNING_SECRET, response_url)
    before = server_cpu()
    result = await run_level(url, requests, concurrency)
    after = server_cpu()
    if before is not None and after is not None:
        result.server_cpu_seconds = after - before
    return result


def alone(server: ServerProcess, by_label: dict[str, list[Command]], response_url: str,
          concurrencies: Sequence[int], count: int, kind: str, size: int) -> list[AloneRow]:
    """Each command on its own at each concurrency, on a running server."""
    url = f"{server.url}/slack/events"

    async def run() -> list[AloneRow]:
        rows = []
        for label, commands in by_label.items():
            for concurrency in concurrencies:
                level = await _measured(url, commands, response_url, count, concurrency,
                                        lambda: tree_cpu_seconds(server.pid))
                rows.append(AloneRow(kind, size, label, concurrency, level.summary,
                                     level.throughput, level.errors,
                                     level.server_cpu_ms_per_request, level.first_error))
        return rows

    return asyncio.run(run())


def workers(env: dict[str, str], mix: list[Command], response_url: str, counts: Sequence[int],
            concurrency: int, requests: int, work_dir: Path, kind: str,
            size: int) -> list[WorkersRow]:
    """The mix against `serve --workers N` for each N, one server after another."""
    rows = []
    for count in counts:
        server = ServerProcess(f"s3desk-workers{count}-{kind}-{size}", DESK_COMMAND, env,
                               work_dir, extra_args=("--workers", str(count)))
        with server:
            url = f"{server.url}/slack/events"
            warmup = prepare(mix, WARMUP, SIGNING_SECRET, response_url)
            asyncio.run(run_level(url, warmup, concurrency))
            level = asyncio.run(_measured(url, mix, response_url, requests, concurrency,
                                          functools.partial(tree_cpu_seconds, server.pid)))
            peak = worker_peak_rss_mb(server.pid)
        rows.append(WorkersRow(kind, size, count, concurrency, level.summary, level.throughput,
                               level.errors, level.server_cpu_ms_per_request, peak,
                               level.first_error))
    return rows
