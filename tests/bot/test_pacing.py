"""Pacing: a channel's posts a second apart, other channels not held up, old turns forgotten."""

from __future__ import annotations

import asyncio

from bot.pacing import REMEMBERED_CHANNELS, ChannelPacer
from tests.fakes.platform import PacingRecorder


def test_a_channel_waits_its_turn_and_others_do_not() -> None:
    time = PacingRecorder()
    pacer = ChannelPacer(1.0, time.sleep, time.monotonic)

    async def scenario() -> None:
        await pacer.wait_turn(("slack", "C1"))
        await pacer.wait_turn(("slack", "C2"))
        assert time.sleeps == []
        await pacer.wait_turn(("slack", "C1"))
        assert time.sleeps == [1.0]
        time.now += 5
        await pacer.wait_turn(("slack", "C1"))
        assert time.sleeps == [1.0]

    asyncio.run(scenario())


def test_unpaced_never_sleeps_and_turns_long_over_are_forgotten() -> None:
    time = PacingRecorder()
    unpaced = ChannelPacer(0, time.sleep, time.monotonic)
    pacer = ChannelPacer(1.0, time.sleep, time.monotonic)

    async def scenario() -> None:
        for _ in range(3):
            await unpaced.wait_turn(("teams", "a"))
        assert time.sleeps == []
        for n in range(REMEMBERED_CHANNELS):
            await pacer.wait_turn(("slack", f"C{n}"))
        time.now += 2
        await pacer.wait_turn(("slack", "new"))
        # only the channel whose turn is still ahead is remembered
        assert pacer.booked() == [("slack", "new")]

    asyncio.run(scenario())
