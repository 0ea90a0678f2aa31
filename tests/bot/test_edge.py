from __future__ import annotations

import asyncio
import threading
from datetime import datetime

from bot.edge import run_command
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Outcome


class ThreadRecordingDesk(Desk):
    def __init__(self, desk: Desk) -> None:
        super().__init__(desk.db, desk.registry, desk.config)
        self.threads: list[str] = []

    def handle(self, inbound: Inbound) -> Outcome:
        self.threads.append(threading.current_thread().name)
        return super().handle(inbound)


def test_commands_run_in_their_own_threads_off_the_loop(desk: Desk, now: datetime,
                                                        people: dict[str, int]) -> None:
    recording = ThreadRecordingDesk(desk)

    async def ask() -> Outcome:
        return await run_command(recording, Inbound("console", "sec", "help", now))

    outcome = asyncio.run(ask())
    assert outcome.reply.title.startswith("S3 Desk")
    assert recording.threads and recording.threads[0].startswith("s3desk-command")
