"""The outbox's Teams sender: post, thread and edit cards through stored references.

A delivery's target is a channel (or chat) conversation id, or `user:<AAD object id>` for a
person's one-to-one chat. A case thread is the reply chain under the case card's activity:
posting into it uses the conversation id `<channel>;messageid=<root activity id>`.
"""

from __future__ import annotations

import logging

from bot.senders import Delivery, PermanentSendError, TransientSendError
from bot.teams.activities import card_activity
from bot.teams.connector import ConnectorError
from bot.teams.parse import PLATFORM, channel_of, thread_conversation
from bot.teams.reach import Address, Reach, Unreachable

log = logging.getLogger("s3desk.teams")
USER_PREFIX = "user:"


class TeamsSender:
    platform = PLATFORM

    def __init__(self, reach: Reach) -> None:
        self.reach = reach

    async def post(self, delivery: Delivery) -> str:
        address = await self._address(delivery.target)
        conversation = address.conversation_id
        if address.threaded and delivery.thread_root and not delivery.starts_thread:
            conversation = thread_conversation(conversation, delivery.thread_root)
        try:
            message_id = await self.reach.connector.send(address.service_url, conversation,
                                                         card_activity(delivery.card))
        except ConnectorError as exc:
            raise _send_error(exc) from exc
        if not message_id:
            raise TransientSendError("Teams accepted the post but returned no activity id")
        return message_id

    async def update(self, delivery: Delivery, message_id: str) -> None:
        address = await self._address(delivery.target)
        conversation = channel_of(address.conversation_id)
        if address.threaded and delivery.thread_root and delivery.thread_root != message_id:
            conversation = thread_conversation(conversation, delivery.thread_root)
        try:
            await self.reach.connector.update(address.service_url, conversation, message_id,
                                              card_activity(delivery.card))
        except ConnectorError as exc:
            if exc.status == 404:
                log.info("message %s is gone; its edit counts as done", message_id)
                return
            raise _send_error(exc) from exc

    async def find_posted(self, delivery: Delivery) -> str | None:
        # The Bot Framework Connector API, the only API the bot's credentials reach, sends,
        # replies to, updates and deletes activities and lists members, but cannot read a
        # conversation's messages back (docs/teams.md, "Limits worth knowing").
        return None

    async def _address(self, target: str) -> Address:
        try:
            if target.startswith(USER_PREFIX):
                return await self.reach.person(target.removeprefix(USER_PREFIX))
            return await self.reach.place(target)
        except Unreachable as exc:
            raise PermanentSendError(str(exc)) from exc
        except ConnectorError as exc:
            raise _send_error(exc) from exc


def _send_error(exc: ConnectorError) -> Exception:
    if exc.transient:
        return TransientSendError(str(exc), retry_after=exc.retry_after)
    return PermanentSendError(str(exc))
