"""Delivering the outbox: claim due rows, hand each to its platform's sender, record the result.

Any number of replicas may run a messenger on PostgreSQL: claims are leased rows taken with
SKIP LOCKED, so a row goes to one worker at a time. A row is marked sent only after the
platform said ok. When a lease ran out (the worker died, or a send hung), the next worker
first asks the platform whether the earlier attempt landed (`find_posted`) and posts only
if it did not. Posts to one channel are paced (about one a second); other channels do not
wait for it.

Stopping (SIGTERM) claims nothing more, lets the posts already at the platform finish, and
hands every other claimed row straight back, due at once for another replica: only a post
still unanswered when the grace period ends is left to its lease, since it may have landed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta

from bot.edge import Clock, system_clock
from bot.pacing import ChannelPacer, Sleep
from bot.senders import Delivery, PermanentSendError, Sender, TransientSendError
from handlers.core.types import Card
from storage.db import Database
from storage.outbox import Claim, claim_due
from storage.outbox_settle import (
    MAX_ATTEMPTS,
    mark_failed,
    mark_missed,
    mark_sent,
    release,
    retry_later,
)

log = logging.getLogger("s3desk.messenger")

# (platform, seconds from falling due to the platform's ok), for /metrics
DeliveryObserver = Callable[[str, float], None]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Messenger:
    def __init__(
        self,
        db: Database,
        senders: dict[str, Sender] | None = None,
        clock: Clock = system_clock,
        worker_id: str | None = None,
        *,
        lease: timedelta = timedelta(minutes=5),
        pace_seconds: float = 1.0,
        batch: int = 50,
        poll_seconds: float = 5.0,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        on_delivered: DeliveryObserver | None = None,
    ) -> None:
        self.db = db
        self.senders: dict[str, Sender] = dict(senders or {})
        self.clock = clock
        self.worker_id = worker_id or default_worker_id()
        self.lease = lease
        self.batch = batch
        self.poll_seconds = poll_seconds
        self.max_attempts = max_attempts
        self.pacer = ChannelPacer(pace_seconds, sleep, monotonic)
        self._on_delivered = on_delivered
        self._wake = asyncio.Event()
        self._stopping = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self.results: dict[str, int] = defaultdict(int)
        self._results_lock = threading.Lock()
        # rows claimed and not settled yet, and those of them whose send is at the platform
        self._in_hand: set[int] = set()
        self._at_platform: set[int] = set()

    def register(self, sender: Sender) -> None:
        """Deliver rows of `sender.platform` through it (one sender per platform)."""
        self.senders[sender.platform] = sender
        self.wake()

    # -- one pass ---------------------------------------------------------------------

    async def deliver_due(self, limit: int | None = None) -> int:
        """Claim and deliver what is due now; returns the number of rows handled."""
        if not self.senders or self._stopping:
            return 0
        claims = await asyncio.to_thread(
            claim_due, self.db, now=self.clock(), worker_id=self.worker_id, lease=self.lease,
            limit=limit or self.batch, platforms=tuple(sorted(self.senders)),
        )
        by_channel: dict[tuple[str, str], list[Claim]] = defaultdict(list)
        for claim in claims:
            by_channel[(claim.platform, claim.target)].append(claim)
            self._in_hand.add(claim.row_id)
        # each channel in its own task: pacing one channel never holds up another
        await asyncio.gather(*(self._deliver_channel(key, rows)
                               for key, rows in by_channel.items()))
        return len(claims)

    async def _deliver_channel(self, channel: tuple[str, str], claims: Iterable[Claim]) -> None:
        for claim in claims:
            try:
                await self._deliver(channel, claim)
            except Exception:  # a broken row must not stop the rest of the channel
                log.exception("delivering outbox row %s failed unexpectedly", claim.row_id)
            finally:
                self._in_hand.discard(claim.row_id)
                self._at_platform.discard(claim.row_id)

    async def _deliver(self, channel: tuple[str, str], claim: Claim) -> None:
        sender = self.senders[claim.platform]
        try:
            delivery = to_delivery(claim)
        except (KeyError, TypeError, ValueError) as exc:
            await self._settle("failed", mark_failed, claim.row_id, self.worker_id,
                               f"unreadable card: {exc}")
            return
        message_id: str | None = None
        try:
            if claim.edit_message_id:
                await self.pacer.wait_turn(channel)
                if not await self._may_send(claim):
                    return
                await sender.update(delivery, claim.edit_message_id)
                message_id = claim.edit_message_id
            else:
                message_id = await sender.find_posted(delivery) if claim.retried else None
                if message_id is None:
                    if claim.useful_until is not None and self.clock() > claim.useful_until:
                        await self._settle("missed", mark_missed, claim.row_id, self.worker_id,
                                           "no longer useful when it could be sent")
                        return
                    await self.pacer.wait_turn(channel)
                    if not await self._may_send(claim):
                        return
                    message_id = await sender.post(delivery)
        except TransientSendError as exc:
            await self._retry(claim, str(exc) or "temporary failure", exc.retry_after)
        except PermanentSendError as exc:
            await self._settle("failed", mark_failed, claim.row_id, self.worker_id,
                               str(exc) or "refused by the platform")
        except Exception as exc:
            # unknown trouble: keep the row, try again with backoff; log no card content
            log.warning("sending outbox row %s raised %s", claim.row_id, type(exc).__name__,
                        exc_info=True)
            await self._retry(claim, f"{type(exc).__name__}: {exc}", None)
        else:
            if message_id is None:  # a sender broke the contract: nothing to record
                await self._retry(claim, "the platform returned no message id", None)
                return
            now = self.clock()
            if await self._settle("sent", mark_sent, claim.row_id, self.worker_id, message_id,
                                  now) and self._on_delivered is not None:
                self._on_delivered(claim.platform, (now - claim.due_at).total_seconds())

    async def _retry(self, claim: Claim, error: str, retry_after: float | None) -> None:
        status = await asyncio.to_thread(
            retry_later, self.db, claim.row_id, self.worker_id, error, self.clock(),
            retry_after=retry_after, max_attempts=self.max_attempts,
        )
        self._count("failed" if status == "failed" else "retried")

    async def _settle(self, result: str, settle: Callable[..., bool], *args: object) -> bool:
        if await asyncio.to_thread(settle, self.db, *args):
            self._count(result)
            return True
        # our lease ran out and another worker owns the row now
        self._count("lost")
        return False

    async def _may_send(self, claim: Claim) -> bool:
        """The last moment a row can go back untouched: send only while the lease holds and
        the messenger is not stopping; otherwise hand the row back, due at once."""
        if not self._stopping and self.clock() < claim.lease_until - timedelta(seconds=5):
            self._at_platform.add(claim.row_id)
            return True
        await self._release(claim.row_id)
        return False

    async def _release(self, row_id: int) -> None:
        if await asyncio.to_thread(release, self.db, row_id, self.worker_id):
            self._count("released")

    def _count(self, result: str) -> None:
        with self._results_lock:
            self.results[result] += 1

    # -- the background loop ----------------------------------------------------------

    def wake(self) -> None:
        """Something was scheduled: look at the outbox now rather than at the next poll."""
        loop = self._loop
        if loop is not None and loop.is_running() and not _in_loop(loop):
            loop.call_soon_threadsafe(self._wake.set)
        else:
            self._wake.set()

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        # a fresh event, bound to this loop (a messenger may outlive one event loop in tests)
        self._wake = asyncio.Event()
        self._stopping = False
        while not self._stopping:
            self._wake.clear()
            try:
                handled = await self.deliver_due()
            except Exception:
                log.exception("outbox pass failed; trying again shortly")
                handled = 0
            # a pass takes one row per channel: while it found any, more may be waiting
            if self._stopping or handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="messenger")
        return self._task

    def stop_claiming(self) -> None:
        """Take no more rows; those in hand go on (see `stop`)."""
        self._stopping = True
        self.wake()

    async def stop(self, grace: float | None = None) -> None:
        """Finish the sends at the platform and hand back the other rows in hand, within
        `grace` seconds; a send still unanswered then is cut off and left to its lease."""
        self.stop_claiming()
        task, self._task = self._task, None
        if task is None:
            return
        done, _ = await asyncio.wait({task}, timeout=grace)
        if done:
            return
        held, unanswered = set(self._in_hand), set(self._at_platform)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for row_id in sorted(held - unanswered):
            await self._release(row_id)
        if unanswered:
            log.warning("stopped with %d sends unanswered; their rows wait for the lease",
                        len(unanswered))


def to_delivery(claim: Claim) -> Delivery:
    return Delivery(
        row_id=claim.row_id,
        dedupe_key=claim.dedupe_key,
        platform=claim.platform,
        target=claim.target,
        card=Card.from_dict(claim.card),
        kind=claim.kind,
        thread_root=claim.thread_root,
        starts_thread=claim.starts_thread,
        edit_message_id=claim.edit_message_id,
        posted_after=claim.created_at,
    )


def _in_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
