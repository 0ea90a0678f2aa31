"""Slack payloads -> `Inbound` commands for the desk.

Identity comes only from what Slack signed: the user id of the slash command, the presser
of a button, the submitter of a modal, the author of a message. A button's value and a
modal's metadata carry command text, never who runs it. Each Inbound carries Slack's id for
the request (`source_id`) so the desk changes nothing twice when Slack retries or someone
replays a request.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.slack.modals import form_values, read_metadata
from bot.slack.mrkdwn import unescape
from handlers.core.desk import Inbound
from handlers.core.types import Where

PLATFORM = "slack"
# a leading mention of the bot in a message (`<@U0BOT> score ...`) is not part of the command
_LEADING_MENTION = re.compile(r"^\s*<@[A-Z0-9]+(?:\|[^>]*)?>[\s,:]*")


def command_text(text: str | None) -> str:
    """The command as the person typed it (Slack delivers `<`, `>`, `&` escaped)."""
    return unescape(text or "").strip()


def strip_mention(text: str) -> str:
    return _LEADING_MENTION.sub("", text, count=1)


def slash_command(body: dict[str, Any], now: datetime) -> Inbound:
    return Inbound(
        platform=PLATFORM,
        user_id=body["user_id"],
        text=command_text(body.get("text")),
        now=now,
        display_name=body.get("user_name") or "",
        where=Where(PLATFORM, channel_id=body.get("channel_id"),
                    channel_name=body.get("channel_name")),
        source_id=f"command:{body['trigger_id']}",
    )


def action_where(body: dict[str, Any]) -> Where:
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    thread = container.get("thread_ts") or message.get("thread_ts")
    return Where(PLATFORM, channel_id=channel, thread_id=thread,
                 channel_name=(body.get("channel") or {}).get("name"))


def block_action(body: dict[str, Any], action: dict[str, Any], now: datetime) -> Inbound:
    """A button press: its value is a command, run again as whoever pressed it."""
    user = body["user"]
    return Inbound(
        platform=PLATFORM,
        user_id=user["id"],
        text=(action.get("value") or "").strip(),
        now=now,
        display_name=user.get("username") or user.get("name") or "",
        where=action_where(body),
        source_id=f"action:{body.get('trigger_id') or action.get('action_ts')}",
    )


def view_submission(body: dict[str, Any], now: datetime) -> Inbound:
    view = body["view"]
    meta = read_metadata(view.get("private_metadata"))
    values = {k: v for k, v in form_values(view.get("state") or {}).items()
              if v not in (None, "", [])}
    user = body["user"]
    return Inbound(
        platform=PLATFORM,
        user_id=user["id"],
        text=meta.get("command", ""),
        now=now,
        display_name=user.get("username") or user.get("name") or "",
        where=Where(PLATFORM, channel_id=meta.get("channel"), thread_id=meta.get("thread")),
        source_id=f"view:{view['id']}:{view.get('hash', '')}",
        form=values,
    )


def thread_message(body: dict[str, Any], now: datetime) -> Inbound:
    """A message event (a reply in a case thread, or a direct message to the bot)."""
    event = body["event"]
    return Inbound(
        platform=PLATFORM,
        user_id=event["user"],
        text=strip_mention(command_text(event.get("text"))),
        now=now,
        where=Where(PLATFORM, channel_id=event.get("channel"), thread_id=event.get("thread_ts")),
        source_id=f"event:{body['event_id']}",
    )


def is_person_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A plain message a person typed: no edits, joins or other subtypes, no bots, not us."""
    return (
        event.get("type") == "message"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
        and bool((event.get("text") or "").strip())
    )
