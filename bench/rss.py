"""Memory and CPU time of a server process, read from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def _status_kb(pid: int, key: str) -> int | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return None


def peak_rss_mb(pid: int) -> float | None:
    """The process's high-water mark of resident memory, in MB; None once it has exited."""
    kb = _status_kb(pid, "VmHWM")
    return kb / 1024 if kb is not None else None


def current_rss_mb(pid: int) -> float | None:
    kb = _status_kb(pid, "VmRSS")
    return kb / 1024 if kb is not None else None


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time the process has used so far, in seconds."""
    import os

    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    # after the command name: state is field 3, utime field 14 and stime field 15 (1-based)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it (the workers of `serve --workers N`)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        waiting.extend(parents.get(current, []))
    return found


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time of `pid` and all its descendants so far, in seconds."""
    seconds = [cpu_seconds(p) for p in process_tree(pid)]
    known = [s for s in seconds if s is not None]
    return sum(known) if known else None


def worker_peak_rss_mb(pid: int) -> float | None:
    """The highest peak RSS of one process serving requests: `pid` itself, or the largest of
    its workers when it supervises some (the supervisor only waits)."""
    below = [p for p in process_tree(pid) if p != pid]
    peaks = [peak_rss_mb(p) for p in (below or [pid])]
    known = [p for p in peaks if p is not None]
    return max(known) if known else None
