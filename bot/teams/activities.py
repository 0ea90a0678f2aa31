"""Outgoing Bot Framework activities: a neutral card as an Adaptive Card attachment."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment, ConversationReference

from bot.teams.render import fallback_text, render
from handlers.core.types import Card

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def card_activity(card: Card) -> Activity:
    return Activity(
        type=ActivityTypes.message,
        # what Teams shows in the notification and the chat list
        summary=fallback_text(card),
        attachments=[Attachment(content_type=ADAPTIVE_CARD, content=render(card))],
    )


def text_activity(text: str) -> Activity:
    return Activity(type=ActivityTypes.message, text=text, text_format="plain")


def reference_from(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(data)
