"""What one benchmark run measured, kept as plain data until the report prints it."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.limit import SqlCost
from bench.load import Summary


@dataclass(frozen=True)
class LevelRow:
    """One concurrency level against one server."""

    database: str
    size: int
    server: str  # "s3desk" or "bare"
    concurrency: int
    summary: Summary
    throughput: float
    errors: int
    by_command: dict[str, Summary] = field(default_factory=dict)
    first_error: str | None = None
    # server CPU time per request (user + system), robust to what else the machine runs
    cpu_ms: float | None = None


@dataclass(frozen=True)
class ServerRun:
    database: str
    size: int
    server: str
    levels: tuple[LevelRow, ...]
    peak_rss_mb: float | None


@dataclass(frozen=True)
class Timing:
    """A non-HTTP measurement: the due-sweep, or a delivery of outbox rows."""

    name: str
    database: str
    size: int
    figures: dict[str, str]
    note: str = ""


@dataclass
class RunResults:
    machine: dict[str, str] = field(default_factory=dict)
    datagen: list[Timing] = field(default_factory=list)
    servers: list[ServerRun] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    alone: list[AloneRow] = field(default_factory=list)
    # (database, size, command label) -> the command's statements run with the driver alone
    sql: dict[tuple[str, int, str], SqlCost] = field(default_factory=dict)
    workers: list[WorkersRow] = field(default_factory=list)

    def server(self, database: str, size: int, name: str) -> ServerRun | None:
        for run in self.servers:
            if (run.database, run.size, run.server) == (database, size, name):
                return run
        return None

    def level(self, database: str, size: int, name: str, concurrency: int) -> LevelRow | None:
        run = self.server(database, size, name)
        if run is None:
            return None
        return next((row for row in run.levels if row.concurrency == concurrency), None)


@dataclass(frozen=True)
class AloneRow:
    """One command sent on its own at one concurrency: its CPU per request is its own."""

    database: str
    size: int
    label: str
    concurrency: int
    summary: Summary
    throughput: float
    errors: int
    cpu_ms: float | None
    first_error: str | None = None


@dataclass(frozen=True)
class WorkersRow:
    """The mix against `serve --workers N`."""

    database: str
    size: int
    workers: int
    concurrency: int
    summary: Summary
    throughput: float
    errors: int
    cpu_ms: float | None
    peak_rss_mb: float | None
    first_error: str | None = None
