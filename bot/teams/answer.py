"""Where an answer goes in Teams, so that nothing private is shown to a whole channel.

Teams has no message only one member of a channel sees. So an answer meant for the asker
alone (most answers, and every form) goes to their one-to-one chat with the bot when they
asked in a channel or group chat; only answers meant for the channel are posted in its
thread. A form submitted from a card replaces that card: with the errors marked on the
inputs, or with the result.
"""

from __future__ import annotations

import logging

from botbuilder.schema import Activity

from bot.teams.activities import card_activity, text_activity
from bot.teams.connector import ConnectorError
from bot.teams.parse import Arrival
from bot.teams.reach import Reach, Unreachable
from handlers.core.types import Card, Outcome

log = logging.getLogger("s3desk.teams")

SENT_PRIVATELY = "I have sent you the answer in our private chat."
NO_PRIVATE_CHAT = ("This answer is only for you, and I could not open a private chat with you. "
                   "Open a chat with S3 Desk (Apps, then S3 Desk) and ask me there.")


def is_private(outcome: Outcome) -> bool:
    return outcome.opens_form or outcome.visibility == "private"


class Answerer:
    def __init__(self, reach: Reach) -> None:
        self.reach = reach
        self.connector = reach.connector

    async def answer(self, activity: Activity, arrival: Arrival, outcome: Outcome) -> None:
        card = outcome.reply
        if arrival.shared and is_private(outcome):
            if await self.to_asker(activity, card) and arrival.from_card is None:
                await self._reply(activity, text_activity(SENT_PRIVATELY))
            return
        if arrival.is_form and arrival.from_card and await self._replace(activity, arrival, card):
            return
        await self._reply(activity, card_activity(card))

    async def to_asker(self, activity: Activity, card: Card) -> bool:
        """The card in the asker's one-to-one chat; False (and they are told) if impossible."""
        try:
            address = await self.reach.asker(activity)
            await self.connector.send(address.service_url, address.conversation_id,
                                      card_activity(card))
            return True
        except (Unreachable, ConnectorError) as exc:
            log.warning("could not answer privately: %s", exc)
            await self._reply(activity, text_activity(NO_PRIVATE_CHAT))
            return False

    async def _replace(self, activity: Activity, arrival: Arrival, card: Card) -> bool:
        assert arrival.from_card is not None
        try:
            await self.connector.update(activity.service_url, activity.conversation.id,
                                        arrival.from_card, card_activity(card))
            return True
        except ConnectorError as exc:
            log.info("could not replace the form card (%s); answering below it", exc)
            return False

    async def _reply(self, activity: Activity, reply: Activity) -> None:
        """Into the same conversation; in a channel, into the same reply chain."""
        await self.connector.reply(activity.service_url, activity.conversation.id, activity.id,
                                   reply)
