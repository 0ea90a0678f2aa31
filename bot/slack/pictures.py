"""A reply's picture (a chart) uploaded to Slack as a file, after the answer has gone.

The answer itself is usually ephemeral, seen by the asker alone, and a file cannot be: so
the picture goes to the asker's direct messages with the bot (where they asked, if that was
already there), through `files_upload_v2` (files.getUploadURLExternal, the upload, then
files.completeUploadExternal; the app needs the `files:write` scope). The upload runs as a
task of its own, so the acknowledgement Slack waits for never waits for it; a failure is
logged and the answer stands without the picture.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from handlers.core.desk import Inbound
from handlers.core.types import Card

log = logging.getLogger("s3desk.slack.pictures")

# uploads in flight, kept so the loop does not drop them half-way
_UPLOADS: set[asyncio.Task[None]] = set()


async def upload(client: AsyncWebClient, card: Card, inbound: Inbound) -> None:
    """Upload the card's picture to the asker's direct messages with the bot."""
    if not card.image_png:
        return
    where = inbound.where
    try:
        if where is not None and (where.channel_id or "").startswith("D"):
            channel, thread = where.channel_id, where.thread_id
        else:
            opened = await client.conversations_open(users=inbound.user_id)
            channel, thread = str(opened["channel"]["id"]), None
        await client.files_upload_v2(channel=channel, thread_ts=thread, file=card.image_png,
                                     filename=f"{card.picture_stem()}.png", title=card.title,
                                     alt_txt=card.title)
    except SlackApiError as exc:
        log.warning("chart not uploaded: %s", exc.response.get("error"))
    except (SlackClientError, aiohttp.ClientError, TimeoutError, OSError) as exc:
        log.warning("chart not uploaded: %s", type(exc).__name__)


def send_later(client: AsyncWebClient, card: Card, inbound: Inbound) -> None:
    """Start the upload of the card's picture, if it has one, without waiting for it."""
    if not card.image_png:
        return
    task = asyncio.get_running_loop().create_task(upload(client, card, inbound))
    _UPLOADS.add(task)
    task.add_done_callback(_UPLOADS.discard)
