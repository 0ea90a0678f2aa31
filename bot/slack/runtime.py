"""What the Slack listeners need from the rest of S3 Desk, behind one small object.

The desk runs commands; the store answers a few cheap questions the adapter asks before
it acts (is this thread a case's, which regions match what was typed) and remembers which
answers were already sent, so a Slack retry or a replayed request posts nothing twice,
whichever server process it reaches.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.edge import Clock, Wakeable, run_command, system_clock
from bot.slack.after_ack import AfterAck
from handlers.cases.threads import ref_for_thread
from handlers.core.desk import Desk, Inbound
from handlers.core.parse import ParseError, tokenize
from handlers.core.types import Card, Outcome, Where
from handlers.people.home import home_for
from storage.db import Database
from storage.models import ProcessedEvent
from storage.regions import search_regions
from storage.text import fold

REGION_OPTIONS = 50
# the last code point of the Latin Extended blocks
LATIN_END = 0x24F


@dataclass
class SlackRuntime:
    desk: Desk
    messenger: Wakeable | None = None
    clock: Clock = system_clock
    # the Web API calls that follow each ack
    after_ack: AfterAck = field(default_factory=AfterAck)

    @property
    def db(self) -> Database:
        return self.desk.db

    def now(self) -> datetime:
        return self.clock()

    async def run(self, inbound: Inbound) -> Outcome:
        return await run_command(self.desk, inbound, self.messenger)

    def later(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Do `work` once this request is answered: the ack never waits for the Web API."""
        self.after_ack.start(work, what)

    def is_command(self, text: str) -> bool:
        """Does the text start with a registered command (not just talk in a thread)?"""
        try:
            words = [t.value for t in tokenize(text)[:3]]
        except ParseError:
            return False
        command, _ = self.desk.registry.lookup(words)
        return command is not None

    # ---- answers sent at most once ------------------------------------------------------
    def _claim(self, key: str, now: datetime) -> bool:
        with self.db.transaction() as session:
            make = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            stmt = (make(ProcessedEvent).values(key=key, processed_at=now, reply=None)
                    .on_conflict_do_nothing(index_elements=["key"])
                    .returning(ProcessedEvent.key))
            # RETURNING, not rowcount: an ORM insert's rowcount is not reliable on psycopg
            return session.execute(stmt).scalar_one_or_none() is not None

    async def claim(self, key: str) -> bool:
        """True the first time `key` is claimed, in any process sharing the store."""
        return await asyncio.to_thread(self._claim, f"slack-answer:{key}", self.now())

    @asynccontextmanager
    async def once(self, key: str) -> AsyncIterator[bool]:
        """`async with runtime.once(source_id) as first:` answer only when `first`; an
        answer that fails gives the claim back so a retry of the request can answer."""
        first = await self.claim(key)
        try:
            yield first
        except BaseException:
            if first:
                await self.release(key)
            raise

    def _release(self, key: str) -> None:
        with self.db.transaction() as session:
            session.execute(delete(ProcessedEvent).where(ProcessedEvent.key == key))

    async def release(self, key: str) -> None:
        """Give a claim back after the answer failed, so Slack's retry can try again."""
        await asyncio.to_thread(self._release, f"slack-answer:{key}")

    # ---- cheap look-ups -----------------------------------------------------------------
    def _case_thread(self, channel_id: str, thread_ts: str) -> bool:
        with self.db.read() as session:
            where = Where("slack", channel_id=channel_id, thread_id=thread_ts)
            return ref_for_thread(session, where) is not None

    async def is_case_thread(self, channel_id: str, thread_ts: str) -> bool:
        return await asyncio.to_thread(self._case_thread, channel_id, thread_ts)

    def _regions(self, text: str) -> list[tuple[str, str]]:
        with self.db.read() as session:
            found = search_regions(session, text, limit=REGION_OPTIONS)
            return [(r.code, region_label(r.code, r.name)) for r in found]

    async def regions(self, text: str) -> list[tuple[str, str]]:
        return await asyncio.to_thread(self._regions, text)

    async def home(self, user_id: str) -> Card:
        return await asyncio.to_thread(home_for, self.db, "slack", user_id, self.now(),
                                       self.desk.config)


def region_label(code: str, name: str) -> str:
    """`BG31 Северозападен (Severozapaden)`: a name in another script gets its Latin reading."""
    other_script = any(ch.isalpha() and ord(ch) > LATIN_END for ch in name)
    return f"{code} {name} ({fold(name).title()})" if other_script else f"{code} {name}"
