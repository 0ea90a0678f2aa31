"""What every chat adapter shares: run a command off the event loop, then wake the messenger."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from handlers.desk import Desk, Inbound
from handlers.types import Outcome

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Wakeable(Protocol):
    def wake(self) -> None: ...


async def run_command(desk: Desk, inbound: Inbound, messenger: Wakeable | None = None) -> Outcome:
    """Handlers and storage are synchronous: run them in a worker thread, never on the loop."""
    outcome = await asyncio.to_thread(desk.handle, inbound)
    if outcome.notices and messenger is not None:
        messenger.wake()
    return outcome
