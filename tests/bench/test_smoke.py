"""The benchmark machinery on a tiny size: it must produce a table, whatever the figures.

Nothing here looks at a number: the store is generated, the load generator signs requests
the bare Bolt app accepts, and the report renders every row it was given.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import report, scenario
from bench.datagen import generate
from bench.fake_slack import FakeSlack
from bench.limit import SqlCost, sql_costs
from bench.load import Command, Summary, percentile, run_levels
from bench.processes import BARE_COMMAND, SIGNING_SECRET, ServerProcess, slack_env
from bench.results import AloneRow, LevelRow, RunResults, ServerRun, Timing, WorkersRow
from bench.rss import cpu_seconds, peak_rss_mb
from bench.runner import level_row
from storage.db import Database
from storage.models import (
    Application,
    AuditEntry,
    EvaluatorAssignment,
    Identity,
    OutboxMessage,
    ProcessedEvent,
    Score,
)


@pytest.fixture(scope="module")
def bare_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess,
                                                                         FakeSlack]]:
    with FakeSlack() as slack, ServerProcess(
        "bare", BARE_COMMAND, slack_env(slack.api_url), tmp_path_factory.mktemp("bare")
    ) as server:
        yield server, slack


def test_datagen_builds_a_store_the_load_can_drive(db: Database, now: datetime) -> None:
    data = generate(db, 50, now, years=1)
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Application)) == 50
        users = set(session.scalars(select(Identity.platform_user_id)))
        pool = session.scalars(
            select(Application.ref).join(EvaluatorAssignment)
            .join(Identity, Identity.person_id == EvaluatorAssignment.person_id)
            .where(Identity.platform_user_id == data.evaluator_user)
        ).all()
        assert session.scalar(select(func.count()).select_from(Score)) > 0
    assert {data.secretariat_user, data.evaluator_user} <= users
    assert set(data.score_refs) == set(pool) and pool
    assert set(data.show_refs) <= {f"TA-{now.year}-{n:04d}" for n in range(1, 51)}
    labels = {c.label for c in scenario.commands(data, variants=2)}
    assert labels == {"list", "list q:", "show", "score"}


def test_signed_requests_reach_the_bare_app(
        bare_app: tuple[ServerProcess, FakeSlack]) -> None:
    server, slack = bare_app
    mix = [Command("list", "UBENCHSEC", "list"), Command("show", "UBENCHSEC", "show TA-1")]
    levels = asyncio.run(run_levels(f"{server.url}/slack/events", mix, SIGNING_SECRET,
                                    f"{slack.base_url}/response", (1, 3), 6, warmup=2,
                                    server_cpu=lambda: cpu_seconds(server.pid)))
    assert [level.concurrency for level in levels] == [1, 3]
    for level in levels:
        assert level.errors == 0, level.first_error
        assert len(level.latencies_ms) == 6
        assert set(level.by_label) == {"list", "show"}
        assert level.server_cpu_seconds is not None
    peak = peak_rss_mb(server.pid)
    assert peak
    results = RunResults()
    results.servers.append(ServerRun("sqlite", 50, "bare", tuple(
        level_row("sqlite", 50, "bare", level) for level in levels), peak))
    table = report.latency_table(results)
    assert table[0].startswith("| db | applications | server | c | p50 ms")
    assert [line.split(" | ")[3] for line in table[2:]] == ["1", "3"]


def test_a_wrong_signature_counts_as_an_error(
        bare_app: tuple[ServerProcess, FakeSlack]) -> None:
    server, slack = bare_app
    levels = asyncio.run(run_levels(f"{server.url}/slack/events",
                                    [Command("list", "U1", "list")], "not-the-secret",
                                    f"{slack.base_url}/response", (2,), 4, warmup=0))
    assert levels[0].http_errors == 4
    assert "401" in (levels[0].first_error or "")


def test_the_report_has_a_row_per_level_and_a_ratio_to_bare(tmp_path: Path) -> None:
    figures = Summary.of([1.0, 2.0, 3.0, 4.0])
    results = RunResults(machine={"machine": "test"})
    for server, scale in (("s3desk", 2.0), ("bare", 1.0)):
        summary = Summary(4, figures.p50 * scale, figures.p95, figures.p99 * scale,
                          figures.p999, figures.max)
        row = LevelRow("sqlite", 50, server, 1, summary, 100.0, 0,
                       by_command={"list": summary} if server == "s3desk" else {})
        results.servers.append(ServerRun("sqlite", 50, server, (row,), 40.0))
    results.timings.append(Timing("due-sweep", "sqlite", 50, {"catch-up ms": "1.0",
                                                              "tick p50 ms": "0.5",
                                                              "tick max ms": "0.9"}))
    text = report.write(results, tmp_path / "latest.md")
    assert (tmp_path / "latest.md").read_text() == text
    assert "| sqlite | 50 | s3desk | 1 |" in text
    assert "| sqlite | 50 | bare | 1 |" in text
    assert "2.00x" in text
    assert "## Targets" in text and "due-sweep" in text


def test_percentiles_are_nearest_rank() -> None:
    ordered = [float(n) for n in range(1, 1001)]
    assert percentile(ordered, 50) == 500.0
    assert percentile(ordered, 99) == 990.0
    assert percentile(ordered, 99.9) == 999.0
    assert percentile([7.0], 99.9) == 7.0


def test_delivery_shapes_know_their_pacing_bound() -> None:
    from bench.delivery import shapes

    spread, grouped, runs, single = shapes(1000)
    assert (spread.channels, spread.pacing_bound) == (1000, 0.0)
    assert (grouped.channels, grouped.pacing_bound) == (100, 9.0)
    assert [grouped.target(n) for n in (0, 1, 100)] == [0, 1, 0]
    assert [runs.target(n) for n in (0, 9, 10)] == [0, 0, 1]
    assert (single.rows, single.channels, single.pacing_bound) == (10, 1, 9.0)


def test_delivery_rows_go_in_due_and_spread_as_shaped(db: Database) -> None:
    from bench.delivery import add_rows, shapes
    from storage.models import OutboxMessage

    grouped = shapes(40)[1]
    prefix = add_rows(db, grouped, "t")
    with db.read() as session:
        rows = session.execute(select(OutboxMessage.target, OutboxMessage.status)
                               .where(OutboxMessage.target.startswith(prefix))).all()
    assert len(rows) == 40
    assert {status for _, status in rows} == {"pending"}
    assert len({target for target, _ in rows}) == grouped.channels == 4


def test_each_command_is_set_beside_its_limit(tmp_path: Path) -> None:
    results = RunResults(machine={"machine": "test"})
    bare = LevelRow("sqlite", 50, "bare", 1, Summary.of([0.5, 0.5, 0.5]), 1000.0, 0,
                    cpu_ms=0.25)
    results.servers.append(ServerRun("sqlite", 50, "bare", (bare,), 40.0))
    results.alone.append(AloneRow("sqlite", 50, "list", 1, Summary.of([2.0, 2.0]), 400.0, 0,
                                  cpu_ms=1.5))
    results.sql[("sqlite", 50, "list")] = SqlCost(statements=2, cpu_ms=0.25, wall_ms=0.5)
    results.workers.append(WorkersRow("postgres", 50, 2, 20, Summary.of([3.0]), 700.0, 0,
                                      cpu_ms=1.8, peak_rss_mb=90.0))
    text = report.write(results, tmp_path / "latest.md")
    # the limit: bare CPU 0.25 + the statements' 0.25; p50 0.5 + 0.5
    assert "| sqlite | 50 | `list` | 1 | S3 Desk | 1.50 | 2 | 2.00 |" in text
    assert "| sqlite | 50 | `list` | 1 | limit | 0.50 | 2 | 1.00 |" in text
    assert "| 3.0x |" in text
    assert "| postgres | 50 | 2 | 20 | 700 |" in text


def test_the_limit_replays_a_command_s_own_statements_and_changes_nothing(
        db: Database, now: datetime) -> None:
    data = generate(db, 50, now, years=1)
    samples = {label: commands[0] for label, commands in scenario.alone(data).items()}

    def counts() -> tuple[int, ...]:
        with db.read() as session:
            return tuple(session.scalar(select(func.count()).select_from(model)) or 0
                         for model in (Score, OutboxMessage, AuditEntry, ProcessedEvent))

    before = counts()
    costs = sql_costs(db.url, samples, runs=5)
    assert counts() == before
    assert costs["list"].statements == 2 and costs["score"].statements == 7
    assert all(cost.cpu_ms > 0 and cost.wall_ms > 0 for cost in costs.values())
