"""The outbox's Slack sender: post, edit and find earlier posts through the Web API.

Every post carries message metadata (`s3desk_outbox` with the row's dedupe key), so after
a lease expired mid-send the messenger can ask whether the first attempt already landed
before posting again: `find_posted` reads everything posted since the row was scheduled.
Slack's answers are sorted into "try again later" (429, 5xx, unreachable; with Slack's
`Retry-After`) and "never" (channel gone, bot removed, bad card).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.senders import Delivery, PermanentSendError, TransientSendError
from bot.slack import render
from bot.slack.client import retry_after

log = logging.getLogger("s3desk.slack.sender")

OUTBOX_EVENT = "s3desk_outbox"
# `find_posted` reads the channel (or thread) back to the row's scheduling, a page at a time
HISTORY_PAGE = 200
# ... and a little earlier, for clocks that disagree (ours and Slack's message timestamps)
CLOCK_MARGIN = timedelta(minutes=10)
TRANSIENT_ERRORS = frozenset({
    "ratelimited", "rate_limited", "service_unavailable", "fatal_error", "internal_error",
    "request_timeout", "team_added_to_org",
})
VANISHED = frozenset({"message_not_found", "cant_update_message"})


def classify(exc: SlackApiError) -> Exception:
    response = exc.response
    error = str(response.get("error") or "unknown_error") if response is not None else "?"
    status = getattr(response, "status_code", 200)
    if status == 429 or status >= 500 or error in TRANSIENT_ERRORS:
        wait = retry_after(getattr(response, "headers", None))
        return TransientSendError(f"Slack answered {status} {error}", retry_after=wait)
    return PermanentSendError(f"Slack refused: {error}")


async def call(method: Callable[..., Awaitable[AsyncSlackResponse]],
               **kwargs: Any) -> AsyncSlackResponse:
    """One Web API call, its failure sorted into transient or permanent."""
    try:
        return await method(**kwargs)
    except SlackApiError as exc:
        raise classify(exc) from exc
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise TransientSendError(f"Slack unreachable: {type(exc).__name__}") from exc


def outbox_metadata(dedupe_key: str) -> dict[str, Any]:
    return {"event_type": OUTBOX_EVENT, "event_payload": {"key": dedupe_key}}


def is_outbox_post(message: dict[str, Any], dedupe_key: str) -> bool:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    return metadata.get("event_type") == OUTBOX_EVENT and payload.get("key") == dedupe_key


class SlackSender:
    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        # user id -> direct-message channel id (chat.update and history need the channel)
        self._dm_channels: dict[str, str] = {}

    async def channel(self, target: str) -> str:
        if not target.startswith("user:"):
            return target
        user = target.removeprefix("user:")
        if user not in self._dm_channels:
            opened = await call(self.client.conversations_open, users=user)
            self._dm_channels[user] = opened["channel"]["id"]
        return self._dm_channels[user]

    async def post(self, delivery: Delivery) -> str:
        channel = await self.channel(delivery.target)
        response = await call(
            self.client.chat_postMessage,
            channel=channel,
            thread_ts=delivery.thread_root,
            metadata=outbox_metadata(delivery.dedupe_key),
            unfurl_links=False,
            unfurl_media=False,
            **render.message(delivery.card),
        )
        return str(response["ts"])

    async def update(self, delivery: Delivery, message_id: str) -> None:
        channel = await self.channel(delivery.target)
        try:
            await call(self.client.chat_update, channel=channel, ts=message_id,
                       **render.message(delivery.card))
        except PermanentSendError as exc:
            cause = exc.__cause__
            if isinstance(cause, SlackApiError) and cause.response.get("error") in VANISHED:
                log.info("message %s to edit is gone; nothing to update", message_id)
                return
            raise

    async def find_posted(self, delivery: Delivery) -> str | None:
        """Every message since the row was scheduled, page after page, however busy the
        channel was meanwhile: a re-post after a lease expiry never doubles a message."""
        channel = await self.channel(delivery.target)
        query: dict[str, Any] = {"channel": channel, "limit": HISTORY_PAGE,
                                 "include_all_metadata": True}
        if delivery.posted_after is not None:
            query["oldest"] = slack_ts(delivery.posted_after - CLOCK_MARGIN)
        if delivery.thread_root:
            method, query["ts"] = self.client.conversations_replies, delivery.thread_root
        else:
            method = self.client.conversations_history
        while True:
            page = await call(method, **query)
            for message in page.get("messages") or []:
                if is_outbox_post(message, delivery.dedupe_key):
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
            query["cursor"] = cursor


def slack_ts(instant: datetime) -> str:
    """A message timestamp as Slack writes them (seconds since the epoch, microseconds)."""
    return f"{instant.timestamp():.6f}"
