"""Answers that cannot ride on the HTTP response: after a modal closes, or to a message.

A private answer goes as an ephemeral message where the person is (only they see it); a
channel answer is posted where the command was typed, in its thread. Where Slack refuses
(the bot was not invited to the channel, a conversation the bot is not part of) the answer
goes to the app's direct-message tab instead, so the person is never left without one.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import render
from handlers.core.types import Outcome

log = logging.getLogger("s3desk.slack.answers")


def is_direct(channel_id: str | None) -> bool:
    return bool(channel_id) and str(channel_id).startswith("D")


async def answer(client: AsyncWebClient, outcome: Outcome, *, user_id: str,
                 channel_id: str | None, thread_ts: str | None = None) -> None:
    message: dict[str, Any] = render.message(outcome.reply)
    post: dict[str, Any] = {**message, "unfurl_links": False, "unfurl_media": False}
    tries: list[Callable[[], Awaitable[Any]]] = []
    if channel_id and (outcome.visibility == "channel" or is_direct(channel_id)):
        tries.append(lambda: client.chat_postMessage(channel=channel_id, thread_ts=thread_ts,
                                                     **post))
    elif channel_id:
        tries.append(lambda: client.chat_postEphemeral(channel=channel_id, user=user_id,
                                                       thread_ts=thread_ts, **message))
    for attempt in tries:
        try:
            await attempt()
            return
        except SlackApiError as exc:
            log.info("answer refused there (%s); answering in the app's DM tab",
                     exc.response.get("error"))
    await client.chat_postMessage(channel=user_id, **post)
