"""The console as a platform: outbox rows for a `console` place are printed as text.

A console that is open runs a messenger with this sender, so reminders the scheduler
computed for `here reminders` typed in the console show up in that terminal. The console
keeps no history of its own, so an earlier attempt can never be found again.
"""

from __future__ import annotations

import itertools
import sys
import threading
from typing import TextIO

from bot.console.render import render_card
from bot.edge import Clock, system_clock
from bot.messenger import Messenger
from bot.senders import Delivery
from storage.db import Database

PLATFORM = "console"


class ConsoleSender:
    platform = PLATFORM

    def __init__(self, stream: TextIO | None = None, width: int = 100) -> None:
        self.stream = stream or sys.stdout
        self.width = width
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def _print(self, heading: str, delivery: Delivery) -> None:
        text = render_card(delivery.card, self.width)
        with self._lock:
            self.stream.write(f"\n{heading}\n{text}\n")
            self.stream.flush()

    async def post(self, delivery: Delivery) -> str:
        heading = "-- reminder" if delivery.kind.startswith("reminder") else "-- notice"
        if delivery.thread_root:
            heading += f" (in reply to {delivery.thread_root})"
        self._print(heading, delivery)
        return f"console-{next(self._ids)}"

    async def update(self, delivery: Delivery, message_id: str) -> None:
        self._print(f"-- updated {message_id}", delivery)

    async def find_posted(self, delivery: Delivery) -> str | None:
        return None


def console_messenger(db: Database, stream: TextIO | None = None,
                      clock: Clock = system_clock) -> Messenger:
    """A messenger that delivers only the console's own rows, printing them to `stream`."""
    messenger = Messenger(db, clock=clock, pace_seconds=0)
    messenger.register(ConsoleSender(stream))
    return messenger
