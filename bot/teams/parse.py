"""A Teams activity as the desk's Inbound: who asks, the command, and where it was typed.

Who: the AAD object id Teams puts on the verified activity (never anything typed or sent
back by a card). What: the message text without the bot's `<at>…</at>` mention, or, for a
card button or form, the command its Action.Submit data carries plus the input values.
Where: the channel conversation and, for a reply in a channel thread, the thread's root
activity id (Teams names a reply's conversation `<channel id>;messageid=<root id>`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from bot.teams.card_parts import COMMAND_KEY, FORM_KEY, LIST_KEY, RESERVED_KEYS
from handlers.core.desk import Inbound
from handlers.core.mentions import mention
from handlers.core.types import Where

PLATFORM = "teams"
THREAD_MARK = ";messageid="
SHARED_CONVERSATIONS = ("channel", "groupChat")


@dataclass(frozen=True)
class Arrival:
    """One activity's request to the desk, and what answering it needs to know."""

    inbound: Inbound
    conversation_type: str  # personal | channel | groupChat
    tenant_id: str | None
    # the activity id of the card whose button or form sent this, if a card did
    from_card: str | None = None
    is_form: bool = False

    @property
    def shared(self) -> bool:
        return self.conversation_type in SHARED_CONVERSATIONS


def channel_of(conversation_id: str) -> str:
    """The conversation id without a thread suffix: the channel (or chat) itself."""
    return conversation_id.split(THREAD_MARK, 1)[0]


def thread_conversation(channel_id: str, root_id: str) -> str:
    """The conversation id that posts into the reply chain under `root_id`."""
    return f"{channel_of(channel_id)}{THREAD_MARK}{root_id}"


def thread_root_of(conversation_id: str) -> str | None:
    _, _, root = conversation_id.partition(THREAD_MARK)
    return root or None


def as_dict(value: Any) -> dict[str, Any]:
    """A JSON object from a payload, or an empty one for anything else."""
    return value if isinstance(value, dict) else {}


def tenant_of(activity: Activity) -> str | None:
    tenant = as_dict(as_dict(activity.channel_data).get("tenant"))
    found = tenant.get("id") or (activity.conversation.tenant_id if activity.conversation
                                 else None)
    return str(found) if found else None


def user_id_of(activity: Activity) -> str:
    """The verified AAD object id; the channel account id only where Teams gives none."""
    sender = activity.from_property
    return str(sender.aad_object_id or sender.id)


def conversation_type_of(activity: Activity) -> str:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return kind or "personal"


def channel_reference(activity: Activity) -> dict[str, Any]:
    """The ConversationReference of the channel or chat itself, for later proactive posts."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    reference.conversation.id = channel_of(reference.conversation.id)
    serialized: dict[str, Any] = reference.serialize()
    tenant = tenant_of(activity)
    if tenant:
        serialized["conversation"]["tenantId"] = tenant
    return serialized


def where_of(activity: Activity) -> Where:
    conversation_id = activity.conversation.id
    root = thread_root_of(conversation_id)
    channel = as_dict(as_dict(activity.channel_data).get("channel"))
    return Where(
        platform=PLATFORM,
        channel_id=channel_of(conversation_id),
        # a new post in a channel is its own thread root: it is not inside a thread
        thread_id=root if root and root != activity.id else None,
        channel_name=channel.get("name"),
        conversation_ref=channel_reference(activity),
    )


def other_mentions(activity: Activity, bot_id: str) -> list[tuple[str, str]]:
    """(channel account id, name) of people mentioned whose AAD object id Teams left out."""
    found = []
    for entity in activity.entities or []:
        mentioned = _mentioned(entity)
        if mentioned and mentioned.get("id") != bot_id and not mentioned.get("aadObjectId"):
            found.append((str(mentioned.get("id")), str(mentioned.get("name") or "")))
    return found


def command_text(activity: Activity, member_aad_ids: Mapping[str, str] | None = None) -> str:
    """The typed words: the bot's mention removed, a person's mention in the neutral form
    `<@AAD object id>` (handlers.core.mentions)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        mentioned = _mentioned(entity)
        if not mentioned:
            continue
        props = getattr(entity, "additional_properties", None) or {}
        shown = str(props.get("text") or f"<at>{mentioned.get('name', '')}</at>")
        if mentioned.get("id") == bot_id:
            text = text.replace(shown, " ")
            continue
        aad = mentioned.get("aadObjectId") or (member_aad_ids or {}).get(
            str(mentioned.get("id")))
        if aad:
            text = text.replace(shown, mention(aad))
    # Teams sends what was typed with HTML entities and non-breaking spaces here and there.
    return html.unescape(text).replace("\xa0", " ").strip()


def submitted(activity: Activity) -> dict[str, Any] | None:
    """The data of a card's Action.Submit (a message with a value) or Action.Execute (invoke)."""
    value = activity.value
    if activity.type == ActivityTypes.invoke and isinstance(value, dict):
        action = value.get("action")
        value = action.get("data") if isinstance(action, dict) else None
    if isinstance(value, dict) and isinstance(value.get(COMMAND_KEY), str):
        return value
    return None


def form_values(data: dict[str, Any]) -> dict[str, Any]:
    """Input values as the desk takes them: strings, a list for multi-choice; blanks left out."""
    raw_lists = data.get(LIST_KEY)
    lists: list[Any] = raw_lists if isinstance(raw_lists, list) else []
    values: dict[str, Any] = {}
    for key, raw in data.items():
        if key in RESERVED_KEYS or key == "msteams" or raw is None:
            continue
        text = raw if isinstance(raw, str) else str(raw)
        if key in lists:
            items = [part.strip() for part in text.split(",") if part.strip()]
            if items:
                values[key] = items
        elif text.strip():
            values[key] = text.strip()
    return values


def read_activity(
    activity: Activity, now: datetime, member_aad_ids: Mapping[str, str] | None = None
) -> Arrival | None:
    """The desk request an activity makes, or None when it asks nothing (an empty message)."""
    data = submitted(activity)
    form = None
    from_card = None
    if data is not None:
        text = str(data[COMMAND_KEY])
        if data.get(FORM_KEY):
            form = form_values(data)
        from_card = activity.reply_to_id
    elif activity.type == ActivityTypes.message:
        text = command_text(activity, member_aad_ids)
    else:
        return None
    inbound = Inbound(
        platform=PLATFORM,
        user_id=user_id_of(activity),
        text=text,
        now=now,
        display_name=str(activity.from_property.name or ""),
        where=where_of(activity),
        source_id=activity.id,
        form=form,
    )
    return Arrival(inbound, conversation_type_of(activity), tenant_of(activity),
                   from_card=from_card, is_form=form is not None)


def _mentioned(entity: Any) -> dict[str, Any] | None:
    if getattr(entity, "type", None) != "mention":
        return None
    props = getattr(entity, "additional_properties", None) or {}
    mentioned = props.get("mentioned")
    return mentioned if isinstance(mentioned, dict) else None
