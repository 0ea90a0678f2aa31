"""What the listeners ask the store: answers claimed once (across processes), case threads."""

from __future__ import annotations

import asyncio

import pytest

from bot.slack.runtime import SlackRuntime
from handlers.core.desk import Desk
from storage.db import Database


def test_an_answer_is_claimed_once_across_processes(desk: Desk, database_url: str) -> None:
    # a second engine on the same store stands for a second server process
    other = Database(database_url)
    try:
        here = SlackRuntime(desk)
        there = SlackRuntime(Desk(other, desk.registry, desk.config))
        assert asyncio.run(here.claim("event:Ev1")) is True
        assert asyncio.run(there.claim("event:Ev1")) is False
        assert asyncio.run(there.claim("event:Ev2")) is True
        asyncio.run(here.release("event:Ev1"))
        assert asyncio.run(there.claim("event:Ev1")) is True
    finally:
        other.dispose()


def test_a_failed_answer_gives_its_claim_back(desk: Desk) -> None:
    runtime = SlackRuntime(desk)

    async def failing() -> None:
        async with runtime.once("action:T1") as first:
            assert first
            raise ConnectionError("Slack went away")

    with pytest.raises(ConnectionError):
        asyncio.run(failing())
    assert asyncio.run(runtime.claim("action:T1")) is True  # a retry may answer


def test_only_registered_commands_count_as_commands(desk: Desk) -> None:
    runtime = SlackRuntime(desk)
    assert runtime.is_command("score relevance=4")
    assert runtime.is_command("cutoffs add 2027-03-31")
    assert not runtime.is_command("I think this one is strong")
    assert not runtime.is_command('unbalanced "quote')
    assert not runtime.is_command("")
