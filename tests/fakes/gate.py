"""A gate a fake server's handlers pass through: open, or held shut until the test releases
it, standing for a remote API that does not answer. It records which calls wait there."""

from __future__ import annotations

import asyncio
import threading

# a held call gives up waiting after this long (a test that forgot to release)
HOLD_SECONDS = 20.0


class Gate:
    def __init__(self) -> None:
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._waiting: list[str] = []

    def hold(self) -> None:
        self._open.clear()

    def release(self) -> None:
        self._open.set()

    @property
    def holding(self) -> bool:
        return not self._open.is_set()

    def waiting(self, *names: str) -> list[str]:
        """The calls held at the gate now (all of them, or those named)."""
        with self._lock:
            return [n for n in self._waiting if not names or n in names]

    async def passage(self, name: str) -> None:
        """Called by a handler: returns at once when open, else when released."""
        if self._open.is_set():
            return
        with self._lock:
            self._waiting.append(name)
        try:
            await asyncio.to_thread(self._open.wait, HOLD_SECONDS)
        finally:
            with self._lock:
                self._waiting.remove(name)
