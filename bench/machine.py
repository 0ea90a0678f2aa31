"""What the figures were measured on, and how busy the machine was meanwhile.

Absolute times move with the machine and with whatever else runs on it; the load average
sampled through the run says how much of the machine the benchmark really had.
"""

from __future__ import annotations

import os
import platform
import threading
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

SAMPLE_SECONDS = 5.0


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class LoadMonitor:
    """Samples the 1-minute load average in a background thread."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="load-monitor")

    def _run(self) -> None:
        while True:
            try:
                self.samples.append(load_average())
            except OSError:
                return
            if self._stop.wait(SAMPLE_SECONDS):
                return

    def start(self) -> LoadMonitor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(SAMPLE_SECONDS + 1)


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def describe(monitor: LoadMonitor, databases: tuple[str, ...]) -> dict[str, str]:
    samples = monitor.samples or [float("nan")]
    info = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, {platform.system()}",
        "load average (1 min) during the run": f"min {min(samples):.2f}, "
                                               f"mean {sum(samples) / len(samples):.2f}, "
                                               f"max {max(samples):.2f}",
        "python": platform.python_version(),
        "libraries": ", ".join(f"{p} {_version(p)}" for p in
                               ("slack-bolt", "aiohttp", "sqlalchemy", "psycopg")),
    }
    if "postgres" in databases:
        info["postgresql"] = _postgres_version()
    return info


def _postgres_version() -> str:
    import psycopg

    from bench.stores import libpq_url, postgres_admin_url

    try:
        with psycopg.connect(libpq_url(postgres_admin_url())) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]) if row else "?"
    except psycopg.Error as exc:
        return f"unreachable ({exc.__class__.__name__})"
