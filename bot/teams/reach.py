"""Where to post: a registered channel's or a person's conversation, from stored references.

A channel is reachable once someone typed `here …` in it (its reference is kept on the
place). A person is reachable in their one-to-one chat with the bot: the reference kept from
their last personal message, or a chat opened now with the service URL and bot account of
any reference from the same tenant (and then kept for next time).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from botbuilder.schema import Activity, ChannelAccount

from bot.teams.connector import Connector
from bot.teams.parse import PLATFORM, tenant_of, user_id_of
from storage import conversation_refs as refs
from storage.db import Database


class Unreachable(Exception):
    """No stored reference leads to this place or person."""


@dataclass(frozen=True)
class Address:
    service_url: str
    conversation_id: str
    # only channels have reply chains; a group or personal chat is one flat conversation
    threaded: bool = False


def address_of(reference: dict[str, Any]) -> Address:
    conversation = reference["conversation"]
    return Address(str(reference["serviceUrl"]), str(conversation["id"]),
                   conversation.get("conversationType") == "channel")


def personal_reference(service_url: str, conversation_id: str, tenant_id: str | None,
                       user: dict[str, Any], bot: dict[str, Any] | None) -> dict[str, Any]:
    conversation: dict[str, Any] = {"id": conversation_id, "conversationType": "personal"}
    if tenant_id:
        conversation["tenantId"] = tenant_id
    reference = {"serviceUrl": service_url, "channelId": "msteams", "user": user,
                 "conversation": conversation}
    if bot:
        reference["bot"] = bot
    return reference


class Reach:
    def __init__(self, db: Database, connector: Connector) -> None:
        self.db = db
        self.connector = connector

    async def place(self, channel_id: str) -> Address:
        reference = await asyncio.to_thread(self._read, refs.place_reference, channel_id)
        if not reference:
            raise Unreachable(f"no conversation reference for channel {channel_id}: type "
                              "`here …` in it again")
        return address_of(reference)

    async def person(self, user_id: str) -> Address:
        """The one-to-one chat with a registered person, opened if need be."""
        found = await asyncio.to_thread(self._read, refs.person_reach, user_id)
        if found is None:
            raise Unreachable(f"{user_id} is not registered on Teams")
        reference, tenant = found
        if reference:
            return address_of(reference)
        base = await asyncio.to_thread(self._read, refs.any_reference, tenant)
        if not base:
            raise Unreachable("no Teams conversation is known yet to open a chat from")
        tenant = tenant or (base.get("conversation") or {}).get("tenantId")
        user = {"id": user_id, "aadObjectId": user_id}
        return await self._open(str(base["serviceUrl"]), tenant, user, base.get("bot"),
                                user_id)

    async def asker(self, activity: Activity) -> Address:
        """The one-to-one chat with whoever sent this activity."""
        user_id = user_id_of(activity)
        found = await asyncio.to_thread(self._read, refs.person_reach, user_id)
        if found is not None and found[0]:
            return address_of(found[0])
        sender, bot = activity.from_property, activity.recipient
        user = {"id": sender.id, "aadObjectId": sender.aad_object_id} if sender.aad_object_id \
            else {"id": sender.id}
        return await self._open(activity.service_url, tenant_of(activity), user,
                                bot.serialize() if bot else None, user_id)

    async def _open(self, service_url: str, tenant: str | None, user: dict[str, Any],
                    bot: dict[str, Any] | None, user_id: str) -> Address:
        conversation_id = await self.connector.open_personal_chat(
            service_url, tenant,
            ChannelAccount(id=user["id"], aad_object_id=user.get("aadObjectId")),
            ChannelAccount().deserialize(bot) if bot else None,
        )
        reference = personal_reference(service_url, conversation_id, tenant, user, bot)
        await asyncio.to_thread(self._keep_personal, user_id, tenant, reference)
        return Address(service_url, conversation_id)

    def _read(self, query: Any, *args: Any) -> Any:
        with self.db.read() as session:
            return query(session, PLATFORM, *args)

    def _keep_personal(self, user_id: str, tenant: str | None,
                       reference: dict[str, Any]) -> None:
        with self.db.transaction() as session:
            refs.remember_person_chat(session, PLATFORM, user_id, tenant_id=tenant,
                                      reference=reference)
