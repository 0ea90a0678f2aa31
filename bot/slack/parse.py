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


class MalformedPayload(ValueError):
    """A signed request without a field every request of its kind carries: answered 400."""


def required(payload: Any, *path: str) -> str:
    """The non-empty string at `path` (`required(body, "user", "id")`), or MalformedPayload."""
    value = payload
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if not isinstance(value, str) or not value:
        raise MalformedPayload(f"no {'.'.join(path)}")
    return value


def optional(payload: Any, *path: str) -> str | None:
    try:
        return required(payload, *path)
    except MalformedPayload:
        return None


def mapping(value: Any) -> dict[str, Any]:
    """A JSON object from a payload, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def command_text(text: Any) -> str:
    """The command as the person typed it (Slack delivers `<`, `>`, `&` escaped)."""
    return unescape(text if isinstance(text, str) else "").strip()


def strip_mention(text: str) -> str:
    return _LEADING_MENTION.sub("", text, count=1)


def slash_command(body: dict[str, Any], now: datetime) -> Inbound:
    return Inbound(
        platform=PLATFORM,
        user_id=required(body, "user_id"),
        text=command_text(body.get("text")),
        now=now,
        display_name=optional(body, "user_name") or "",
        where=Where(PLATFORM, channel_id=optional(body, "channel_id"),
                    channel_name=optional(body, "channel_name")),
        source_id=f"command:{required(body, 'trigger_id')}",
    )


def action_where(body: dict[str, Any]) -> Where:
    container = mapping(body.get("container"))
    message = mapping(body.get("message"))
    channel = optional(body, "channel", "id") or optional(container, "channel_id")
    thread = optional(container, "thread_ts") or optional(message, "thread_ts")
    return Where(PLATFORM, channel_id=channel, thread_id=thread,
                 channel_name=optional(body, "channel", "name"))


def _person(body: dict[str, Any]) -> tuple[str, str]:
    """(user id, display name) of whoever pressed or submitted."""
    return (required(body, "user", "id"),
            optional(body, "user", "username") or optional(body, "user", "name") or "")


def block_action(body: dict[str, Any], action: dict[str, Any], now: datetime) -> Inbound:
    """A button press: its value is a command, run again as whoever pressed it."""
    user_id, name = _person(body)
    press = optional(body, "trigger_id") or optional(action, "action_ts")
    if press is None:
        raise MalformedPayload("no trigger_id or action_ts")
    return Inbound(
        platform=PLATFORM,
        user_id=user_id,
        text=(optional(action, "value") or "").strip(),
        now=now,
        display_name=name,
        where=action_where(body),
        source_id=f"action:{press}",
    )


def view_submission(body: dict[str, Any], now: datetime) -> Inbound:
    view = mapping(body.get("view"))
    meta = read_metadata(optional(view, "private_metadata"))
    values = {k: v for k, v in form_values(mapping(view.get("state"))).items()
              if v not in (None, "", [])}
    user_id, name = _person(body)
    return Inbound(
        platform=PLATFORM,
        user_id=user_id,
        text=meta.get("command", ""),
        now=now,
        display_name=name,
        where=Where(PLATFORM, channel_id=meta.get("channel"), thread_id=meta.get("thread")),
        source_id=f"view:{required(view, 'id')}:{optional(view, 'hash') or ''}",
        form=values,
    )


def thread_message(body: dict[str, Any], now: datetime) -> Inbound:
    """A message event (a reply in a case thread, or a direct message to the bot)."""
    event = mapping(body.get("event"))
    return Inbound(
        platform=PLATFORM,
        user_id=required(event, "user"),
        text=strip_mention(command_text(event.get("text"))),
        now=now,
        where=Where(PLATFORM, channel_id=optional(event, "channel"),
                    thread_id=optional(event, "thread_ts")),
        source_id=f"event:{required(body, 'event_id')}",
    )


def is_person_message(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """A plain message a person typed: no edits, joins or other subtypes, no bots, not us."""
    return (
        event.get("type") == "message"
        and not event.get("subtype")
        and not event.get("bot_id")
        and isinstance(event.get("user"), str) and bool(event.get("user"))
        and event.get("user") != bot_user_id
        and bool(command_text(event.get("text")))
    )
