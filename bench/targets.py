"""The performance targets, checked against what a run measured (figures, never failures).

Targets speak of PostgreSQL at 100,000 applications; a run without those uses the largest
size and the first database it measured, and says so.
"""

from __future__ import annotations

from bench.results import AloneRow, RunResults
from bench.scenario import RARE

COMMANDS = ("list", "list q:", "show", "score")
# server CPU per request of each command alone, at concurrency 10
CPU_MS = {"list": 1.5, "list q:": 1.5, "show": 1.5, "score": 3.0}
CPU_CONCURRENCY = 10
RARE_P50_MS = 2.0
P99_RATIO_C10 = 10.0
P999_C50_MS = 150.0
P50_GROWTH = 1.2
WORKER_RSS_MB = 80.0
SWEEP_MS = 50.0


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "NOT met")


def evaluate(results: RunResults) -> list[str]:
    if not results.servers:
        return ["- no server was measured"]
    databases = [run.database for run in results.servers]
    db = "postgres" if "postgres" in databases else databases[0]
    sizes = sorted({run.size for run in results.servers if run.database == db})
    big, small = sizes[-1], sizes[0]
    lines = [f"Checked on {db} at {big:,} applications (smallest size {small:,}).", ""]
    lines += _cpu(results, db, big)
    lines += _rare(results, db, big)
    lines += _p99_ratio(results, db, big)
    lines += _p999(results, db, big)
    lines += _p50_growth(results, db, big, small)
    lines += _rss(results, db, big)
    lines += _workers(results)
    lines += _sweep(results, db, big)
    lines += _delivery(results)
    return lines


def _alone(results: RunResults, db: str, size: int, label: str,
           concurrency: int) -> AloneRow | None:
    wanted = (db, size, label, concurrency)
    return next((row for row in results.alone
                 if (row.database, row.size, row.label, row.concurrency) == wanted), None)


def _cpu(results: RunResults, db: str, size: int) -> list[str]:
    lines = []
    for label, target in CPU_MS.items():
        row = _alone(results, db, size, label, CPU_CONCURRENCY)
        if row is None or row.cpu_ms is None:
            lines.append(f"- `{label}` server CPU per request: n/a (not measured alone)")
            continue
        lines.append(f"- `{label}` server CPU per request, alone at c={CPU_CONCURRENCY}: "
                     f"{row.cpu_ms:.2f} ms (target <= {target} ms): "
                     f"{_verdict(row.cpu_ms <= target)}")
    return lines


def _rare(results: RunResults, db: str, size: int) -> list[str]:
    row = _alone(results, db, size, RARE, 1)
    if row is None:
        return [f"- `{RARE}` p50: n/a (not measured)"]
    return [f"- `{RARE}` p50 alone at c=1: {row.summary.p50:.2f} ms (target <= "
            f"{RARE_P50_MS} ms): {_verdict(row.summary.p50 <= RARE_P50_MS)}"]


def _p99_ratio(results: RunResults, db: str, size: int) -> list[str]:
    ours = results.level(db, size, "s3desk", 10)
    bare = results.level(db, size, "bare", 10)
    if ours is None or bare is None:
        return [f"- p99 at c=10 within {P99_RATIO_C10}x bare: n/a (c=10 not measured)"]
    lines = []
    for label in COMMANDS:
        s = ours.by_command.get(label)
        if s is None:
            continue
        factor = s.p99 / bare.summary.p99
        lines.append(f"- `{label}` p99 at c=10 {s.p99:.2f} ms = {factor:.2f}x bare "
                     f"{bare.summary.p99:.2f} ms (target {P99_RATIO_C10}x): "
                     f"{_verdict(factor <= P99_RATIO_C10)}")
    return lines


def _p999(results: RunResults, db: str, size: int) -> list[str]:
    ours = results.level(db, size, "s3desk", 50)
    if ours is None:
        return [f"- p99.9 at c=50 under {P999_C50_MS:.0f} ms: n/a (c=50 not measured)"]
    return [f"- `{label}` p99.9 at c=50 {s.p999:.1f} ms (target < {P999_C50_MS:.0f} ms): "
            f"{_verdict(s.p999 < P999_C50_MS)}"
            for label, s in sorted(ours.by_command.items())]


def _p50_growth(results: RunResults, db: str, big: int, small: int) -> list[str]:
    if big == small:
        return [f"- p50 at the largest size within {P50_GROWTH}x the smallest: n/a (one size)"]
    lines = []
    run = results.server(db, big, "s3desk")
    concurrency = min(level.concurrency for level in run.levels) if run else 1
    large = results.level(db, big, "s3desk", concurrency)
    little = results.level(db, small, "s3desk", concurrency)
    if large is None or little is None:
        return ["- p50 growth: n/a"]
    for label in COMMANDS:
        a, b = large.by_command.get(label), little.by_command.get(label)
        if a is None or b is None:
            continue
        factor = a.p50 / b.p50
        lines.append(f"- `{label}` p50 at c={concurrency}: {a.p50:.2f} ms at {big:,} vs "
                     f"{b.p50:.2f} ms at {small:,} = {factor:.2f}x (target {P50_GROWTH}x): "
                     f"{_verdict(factor <= P50_GROWTH)}")
    return lines


def _rss(results: RunResults, db: str, size: int) -> list[str]:
    ours = results.server(db, size, "s3desk")
    if not ours or ours.peak_rss_mb is None:
        return ["- peak RSS of one worker: n/a"]
    return [f"- peak RSS of one worker {ours.peak_rss_mb:.0f} MB (target <= "
            f"{WORKER_RSS_MB:.0f} MB): {_verdict(ours.peak_rss_mb <= WORKER_RSS_MB)}"]


def _workers(results: RunResults) -> list[str]:
    if not results.workers:
        return ["- throughput grows with --workers: n/a (not measured)"]
    by_count = {w.workers: w.throughput for w in results.workers}
    one, most = by_count.get(1), max(by_count)
    figures = ", ".join(f"{n}: {rps:,.0f} req/s" for n, rps in sorted(by_count.items()))
    grows = None if one is None or most == 1 else by_count[most] > one
    return [f"- throughput grows with --workers ({figures}): {_verdict(grows)}"]


def _sweep(results: RunResults, db: str, size: int) -> list[str]:
    found = [t for t in results.timings
             if t.name == "due-sweep" and t.database == db and t.size == size]
    if not found or not found[0].figures:
        return [f"- due-sweep under {SWEEP_MS:.0f} ms: n/a"]
    figures = found[0].figures
    worst = max(float(figures["catch-up ms"]), float(figures["tick max ms"]))
    return [f"- due-sweep: catch-up {figures['catch-up ms']} ms, ticks p50 "
            f"{figures['tick p50 ms']} / max {figures['tick max ms']} ms (target < "
            f"{SWEEP_MS:.0f} ms): {_verdict(worst < SWEEP_MS)}"]


def _delivery(results: RunResults) -> list[str]:
    found = [t for t in results.timings if t.name.startswith("delivery") and t.figures]
    if not found:
        return ["- delivery limited only by per-channel pacing: n/a"]
    paced = [t for t in found if "pacing bound s" in t.figures]
    slower = [t for t in paced if t.figures.get("pacing-limited") != "yes"]
    lines = [f"- delivery limited only by per-channel pacing: {_verdict(not slower)}"]
    for t in found:
        lines.append(f"  - {t.name} on {t.database}: {t.figures.get('rows', '-')} rows to "
                     f"{t.figures.get('channels', '-')} channels in {t.figures['seconds']} s "
                     f"({t.figures.get('rows/s', '-')} rows/s); pacing-limited: "
                     f"{t.figures.get('pacing-limited', '-')}")
    return lines
