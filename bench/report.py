"""One table of every figure, with S3 Desk's latency as a multiple of the bare app's.

The same Markdown is printed and written to bench/results/latest.md.
"""

from __future__ import annotations

import math
from pathlib import Path

from bench import targets
from bench.load import Summary
from bench.results import AloneRow, LevelRow, RunResults, Timing

RESULTS = Path(__file__).parent / "results" / "latest.md"


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ratio(ours: float, bare: float) -> str:
    if math.isnan(ours) or math.isnan(bare) or bare <= 0:
        return "-"
    return f"{ours / bare:.2f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _bare_of(results: RunResults, row: LevelRow) -> Summary | None:
    bare = results.level(row.database, row.size, "bare", row.concurrency)
    return bare.summary if bare else None


def latency_table(results: RunResults) -> list[str]:
    rows = []
    for run in results.servers:
        for level in run.levels:
            bare = _bare_of(results, level) if run.server != "bare" else None
            s = level.summary
            rows.append([
                run.database, f"{run.size:,}", run.server, str(level.concurrency),
                ms(s.p50), ms(s.p95), ms(s.p99), ms(s.p999), ms(s.max),
                f"{level.throughput:,.0f}", str(level.errors),
                f"{level.cpu_ms:.2f}" if level.cpu_ms is not None else "-",
                ratio(s.p50, bare.p50) if bare else "", ratio(s.p99, bare.p99) if bare else "",
                f"{run.peak_rss_mb:.0f}" if run.peak_rss_mb else "-",
            ])
    header = ["db", "applications", "server", "c", "p50 ms", "p95", "p99", "p99.9", "max",
              "req/s", "errors", "server CPU ms/req", "p50 / bare", "p99 / bare", "peak RSS MB"]
    return _table(header, rows)


def command_table(results: RunResults) -> list[str]:
    rows = []
    for run in results.servers:
        if run.server == "bare":
            continue
        for level in run.levels:
            bare = _bare_of(results, level)
            for label, s in sorted(level.by_command.items()):
                rows.append([
                    run.database, f"{run.size:,}", str(level.concurrency), f"`{label}`",
                    str(s.count), ms(s.p50), ms(s.p99), ms(s.p999), ms(s.max),
                    ratio(s.p50, bare.p50) if bare else "-",
                    ratio(s.p99, bare.p99) if bare else "-",
                ])
    header = ["db", "applications", "c", "command", "n", "p50 ms", "p99", "p99.9", "max",
              "p50 / bare", "p99 / bare"]
    return _table(header, rows)


def _num(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def limit_of(results: RunResults, row: AloneRow) -> tuple[float | None, float | None]:
    """CPU ms and p50 ms of the command's limit: the bare app at the same concurrency plus
    the command's statements run with the driver alone."""
    bare = results.level(row.database, row.size, "bare", row.concurrency)
    sql = results.sql.get((row.database, row.size, row.label))
    if bare is None or sql is None:
        return None, None
    cpu = bare.cpu_ms + sql.cpu_ms if bare.cpu_ms is not None else None
    return cpu, bare.summary.p50 + sql.wall_ms


def alone_table(results: RunResults) -> list[str]:
    rows = []
    for row in results.alone:
        sql = results.sql.get((row.database, row.size, row.label))
        statements = str(sql.statements) if sql else "-"
        limit_cpu, limit_p50 = limit_of(results, row)
        versus = (f"{row.cpu_ms / limit_cpu:.1f}x" if row.cpu_ms is not None and limit_cpu
                  else "-")
        s = row.summary
        where = [row.database, f"{row.size:,}", f"`{row.label}`", str(row.concurrency)]
        rows.append([*where, "S3 Desk", _num(row.cpu_ms), statements, ms(s.p50), ms(s.p99),
                     f"{row.throughput:,.0f}", str(row.errors), versus])
        rows.append([*where, "limit", _num(limit_cpu), statements, _num(limit_p50), "-", "-",
                     "-", ""])
    header = ["db", "applications", "command", "c", "", "server CPU ms/req", "statements",
              "p50 ms", "p99", "req/s", "errors", "CPU / limit"]
    return _table(header, rows)


def workers_table(results: RunResults) -> list[str]:
    rows = [[w.database, f"{w.size:,}", str(w.workers), str(w.concurrency),
             f"{w.throughput:,.0f}", ms(w.summary.p50), ms(w.summary.p99), ms(w.summary.p999),
             _num(w.cpu_ms), _num(w.peak_rss_mb, 0), str(w.errors)] for w in results.workers]
    header = ["db", "applications", "workers", "c", "req/s", "p50 ms", "p99", "p99.9",
              "server CPU ms/req (all workers)", "peak RSS MB (largest worker)", "errors"]
    return _table(header, rows)


def timing_table(items: list[Timing]) -> list[str]:
    rows = [[t.name, t.database, f"{t.size:,}",
             "; ".join(f"{k} {v}" for k, v in t.figures.items()) or "-", t.note]
            for t in items]
    return _table(["what", "db", "applications", "figures", "note"], rows)


def render(results: RunResults) -> str:
    lines = ["# S3 Desk benchmark", ""]
    lines += [f"- {key}: {value}" for key, value in results.machine.items()]
    lines += ["", "Latency is measured from sending a signed `/s3` request to reading the whole "
              "response, over loopback. The bare app is a slack-bolt AsyncApp that only acks "
              "(`process_before_response=True`), measured in the same run on the same store "
              "setup. Ratios compare S3 Desk with the bare app at the same concurrency.", ""]
    lines += ["## Requests", "", *latency_table(results)]
    lines += ["", "## By command (S3 Desk)", "",
              "Ratios divide by the bare app's figure for the whole mix at that level.", ""]
    lines += command_table(results)
    if results.alone:
        lines += ["", "## Each command alone: CPU per request and the limit", "",
                  "Each command sent on its own (`list q: (rare)` searches a word in one case "
                  "of a thousand). The server's CPU per request is then that command's own. "
                  "The limit row is the bare app's CPU per request and p50 at the same "
                  "concurrency plus the command's own statements (as S3 Desk sent them) run "
                  "with the database driver alone; CPU / limit says how far S3 Desk is from it.",
                  "", *alone_table(results)]
    if results.workers:
        lines += ["", "## Throughput with `serve --workers N`", "",
                  "The mix against N worker processes on one port (one server after another, "
                  "PostgreSQL, largest store); CPU summed over the workers.", "",
                  *workers_table(results)]
    lines += ["", "## Off the request path", "", *timing_table(results.timings)]
    lines += ["", "## Store generation", "", *timing_table(results.datagen)]
    lines += ["", "## Targets", "", *targets.evaluate(results)]
    errors = [(run, level) for run in results.servers for level in run.levels
              if level.first_error]
    if errors or results.notes:
        lines += ["", "## Notes", ""]
        lines += [f"- {note}" for note in results.notes]
        lines += [f"- {run.server} {run.database} {run.size:,} c={level.concurrency}: first "
                  f"error: {level.first_error}" for run, level in errors]
    return "\n".join(lines) + "\n"


def write(results: RunResults, path: Path = RESULTS) -> str:
    text = render(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return text
