"""The contract between the messenger and each platform: how one outbox row is delivered.

The messenger claims due rows and hands each to the sender registered for its platform.
Slack and Teams register senders; the console registers one that prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.core.types import Card


@dataclass(frozen=True)
class Delivery:
    row_id: int
    dedupe_key: str
    platform: str
    # a channel / conversation id, or `user:<platform user id>` for a direct message
    target: str
    card: Card
    kind: str
    # the platform message id of the thread root this row belongs in, if any
    thread_root: str | None = None
    starts_thread: bool = False
    # set when this row edits an earlier post: that post's platform message id
    edit_message_id: str | None = None
    # no attempt to post this row can have landed before this instant (`find_posted`
    # looks back to it); None when unknown
    posted_after: datetime | None = None


class TransientSendError(Exception):
    """Try again later (rate limit, 5xx, connection reset); `retry_after` in seconds if known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """This row can never be delivered as it is (channel gone, bot removed, bad card)."""


class Sender(Protocol):
    platform: str

    async def post(self, delivery: Delivery) -> str:
        """Post the card; return the platform message id (Slack ts, Teams activity id)."""

    async def update(self, delivery: Delivery, message_id: str) -> None:
        """Replace the message `message_id` with the card; a vanished message counts as done."""

    async def find_posted(self, delivery: Delivery) -> str | None:
        """After a lease expired mid-send: the id of a post an earlier attempt made, if any,
        looking at everything posted since `delivery.posted_after`."""
