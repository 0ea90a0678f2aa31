"""One post a channel at a time: Slack and Teams throttle a channel that gets more than about
one message a second, while other channels are not held up by it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]
Channel = tuple[str, str]  # (platform, target)

# past this many channels with a turn booked, the turns already over are forgotten
REMEMBERED_CHANNELS = 1000


class ChannelPacer:
    """Books each channel's next turn `pace_seconds` after its last one."""

    def __init__(self, pace_seconds: float, sleep: Sleep,
                 monotonic: Callable[[], float]) -> None:
        self.pace_seconds = pace_seconds
        self._sleep = sleep
        self._monotonic = monotonic
        # per channel: the monotonic instant its next post may go out
        self._next_turn: dict[Channel, float] = {}

    async def wait_turn(self, channel: Channel) -> None:
        """Return when `channel` may take its next post (at once when unpaced)."""
        if self.pace_seconds <= 0:
            return
        now = self._monotonic()
        turn = max(now, self._next_turn.get(channel, now))
        self._next_turn[channel] = turn + self.pace_seconds
        if turn > now:
            await self._sleep(turn - now)
        if len(self._next_turn) > REMEMBERED_CHANNELS:
            current = self._monotonic()
            self._next_turn = {k: v for k, v in self._next_turn.items() if v > current}

    def booked(self) -> list[Channel]:
        """The channels whose next turn is remembered."""
        return list(self._next_turn)
