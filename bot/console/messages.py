"""Messages for console places while a console is open (e.g. reminders after `here reminders`).

The scheduler of a running `s3desk serve` puts reminders for places registered from the
console into the outbox, addressed to the console platform; an open interactive console
prints them as they fall due. The messenger runs in its own thread and event loop, so the
prompt keeps reading lines meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TextIO

from bot.console.sender import console_messenger
from bot.edge import Clock, system_clock
from storage.db import Database

STOP_WAIT_SECONDS = 10


class BackgroundMessenger:
    def __init__(self, db: Database, stream: TextIO, clock: Clock = system_clock) -> None:
        self.messenger = console_messenger(db, stream, clock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            task = self.messenger.start()
            ready.set()
            await task

        self._thread = threading.Thread(target=asyncio.run, args=(main(),),
                                        name="console-messenger", daemon=True)
        self._thread.start()
        ready.wait(STOP_WAIT_SECONDS)

    def wake(self) -> None:
        self.messenger.wake()

    def stop(self) -> None:
        """Finish what is in hand and end the thread; a stuck send does not keep us here."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            done = asyncio.run_coroutine_threadsafe(self.messenger.stop(), loop)
            with contextlib.suppress(TimeoutError):
                done.result(STOP_WAIT_SECONDS)
        thread.join(STOP_WAIT_SECONDS)
        self._loop = self._thread = None
