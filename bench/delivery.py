"""Outbox delivery through the real Messenger and Slack sender, to the local fake Web API.

Three shapes of 1,000-ish due rows, each delivered by the messenger's own background loop
(as `s3desk serve` runs it) with the production pacing of about one post a second per
channel:

- spread: every row to its own channel, so pacing never applies: the messenger's own pace;
- grouped: the rows over channels of 10 each: pacing alone would take 9 s;
- grouped in runs: 200 rows, 10 a channel, each channel's rows due one after another (as
  a burst of notices about one case leaves them): pacing alone would still take 9 s;
- one channel: 10 rows to a single channel: pacing alone would take 9 s.

A shape is "pacing-limited" when it took no more than the pacing bound plus what the same
rows need without pacing (the spread rate), with 20 % to spare.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select, update

from bench.bulk import insert_rows
from bench.fake_slack import FakeSlack
from bench.processes import BOT_TOKEN
from bench.results import Timing
from storage.db import Database
from storage.models import OutboxMessage

PER_CHANNEL = 10
SLACK_FAIL_SECONDS = 300.0


@dataclass(frozen=True)
class Shape:
    name: str
    rows: int
    channels: int
    # a channel's rows due one after another, rather than channels taking turns
    in_runs: bool = False

    def target(self, n: int) -> int:
        return n // -(-self.rows // self.channels) if self.in_runs else n % self.channels

    @property
    def pacing_bound(self) -> float:
        """Seconds pacing alone imposes: the busiest channel's posts one second apart."""
        return float(-(-self.rows // self.channels) - 1)


def shapes(rows: int) -> list[Shape]:
    runs = min(rows, 200)
    return [Shape("spread", rows, rows),
            Shape("grouped", rows, max(1, rows // PER_CHANNEL)),
            Shape("grouped in runs", runs, max(1, runs // PER_CHANNEL), in_runs=True),
            Shape("one channel", PER_CHANNEL, 1)]


def _card(n: int) -> dict[str, object]:
    return {"title": f"Reminder {n}", "text": ["Evaluation closes in 7 days."], "facts": [],
            "table": None, "context": [], "buttons": [], "pager": None, "form": None,
            "tone": "info"}


def add_rows(db: Database, shape: Shape, run: str) -> str:
    """Insert the shape's due rows; returns the channel prefix they go to."""
    prefix = f"CD{run}"
    due = datetime.now(UTC) - timedelta(seconds=1)
    rows = [{
        "dedupe_key": f"bench:delivery:{run}:{shape.name}:{n}", "kind": "reminder",
        "platform": "slack", "target": f"{prefix}{shape.target(n):05d}",
        "thread_key": None, "starts_thread": False, "edit_of": None, "card": _card(n),
        "useful_until": None, "status": "pending", "attempts": 0,
        "lease_until": None, "claimed_by": None, "message_id": None, "error": None,
        # one microsecond apart, so "oldest first" keeps the shape's order
        "created_at": due, "sent_at": None, "due_at": due + timedelta(microseconds=n),
    } for n in range(shape.rows)]
    with db.engine.begin() as conn:
        insert_rows(conn, OutboxMessage.__table__, rows)  # type: ignore[arg-type]
    return prefix


async def _deliver(db: Database, slack: FakeSlack, prefix: str, rows: int) -> float:
    from bot.messenger import Messenger
    from bot.slack.sender import SlackSender

    client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_url)
    messenger = Messenger(db, {"slack": SlackSender(client)}, poll_seconds=0.2)
    started = time.perf_counter()
    messenger.start()
    deadline = started + SLACK_FAIL_SECONDS
    try:
        while time.perf_counter() < deadline:
            posted = [c.at for c in slack.state.posts() if c.channel.startswith(prefix)]
            if len(posted) >= rows:
                return max(posted) - started
            await asyncio.sleep(0.05)
        raise TimeoutError(f"only {len(posted)} of {rows} rows posted in "
                           f"{SLACK_FAIL_SECONDS:.0f} s")
    finally:
        await messenger.stop()


def set_aside_backlog(db: Database) -> tuple[int, int]:
    """Rows the load left due (notices of `score`): counted, then set aside as missed so
    they do not queue ahead of the measured rows. Returns (rows, most rows in one channel)."""
    now = datetime.now(UTC)
    due = (OutboxMessage.status.in_(("pending", "sending")), OutboxMessage.due_at <= now)
    with db.transaction() as session:
        per_channel = [n for _, n in session.execute(
            select(OutboxMessage.target, func.count()).where(*due)
            .group_by(OutboxMessage.target))]
        session.execute(update(OutboxMessage).where(*due).values(
            status="missed", error="set aside by the benchmark"))
    return sum(per_channel), max(per_channel, default=0)


def measure_delivery(url: str, kind: str, size: int, slack: FakeSlack,
                     rows: int) -> list[Timing]:
    db = Database(url)
    spread_rate = 0.0
    try:
        backlog, busiest = set_aside_backlog(db)
        timings = [Timing("outbox backlog after the load", kind, size, {
            "rows due": str(backlog), "most in one channel": str(busiest),
            "pacing alone s": str(max(0, busiest - 1)),
        }, "notices the load's commands scheduled and the server had not yet delivered")]
        for index, shape in enumerate(shapes(rows)):
            prefix = add_rows(db, shape, f"{index}{int(time.time()) % 1000:03d}")
            seconds = asyncio.run(_deliver(db, slack, prefix, shape.rows))
            rate = shape.rows / seconds if seconds > 0 else float("inf")
            figures = {"rows": str(shape.rows), "channels": str(shape.channels),
                       "seconds": f"{seconds:.2f}", "rows/s": f"{rate:,.0f}"}
            if shape.name == "spread":
                spread_rate = rate
                figures["pacing-limited"] = "no pacing applies"
            else:
                unpaced = shape.rows / spread_rate if spread_rate else 0.0
                limit = 1.2 * (shape.pacing_bound + unpaced)
                figures["pacing bound s"] = f"{shape.pacing_bound:.0f}"
                figures["pacing-limited"] = "yes" if seconds <= limit else (
                    f"no: {seconds:.1f} s against {shape.pacing_bound:.0f} s of pacing")
            timings.append(Timing(f"delivery ({shape.name})", kind, size, figures,
                                  "Messenger + SlackSender to the local fake Web API"))
    finally:
        db.dispose()
    return timings
