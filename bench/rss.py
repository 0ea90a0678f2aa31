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
