"""The Teams bot: every message, card submit and install, turned into desk calls.

A message (typed, or a card's Action.Submit) runs one desk command; an Action.Execute
invoke does the same and answers in the invoke response. Installs and messages keep the
conversation references the outbox needs to post later on its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from http import HTTPStatus
from typing import Any

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, AdaptiveCardInvokeResponse

from bot.edge import Wakeable, run_command
from bot.teams import parse
from bot.teams.activities import card_activity
from bot.teams.answer import NO_PRIVATE_CHAT, SENT_PRIVATELY, Answerer, is_private
from bot.teams.reach import Reach
from bot.teams.render import render
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Card, Outcome
from storage import conversation_refs as refs

log = logging.getLogger("s3desk.teams")

REMEMBER_SECONDS = 600.0
CARD_RESPONSE = "application/vnd.microsoft.card.adaptive"
MESSAGE_RESPONSE = "application/vnd.microsoft.activity.message"
WELCOME = Card(
    title="S3 Desk is here",
    text=("Mention me with a command, for example `help` or `list`. In our one-to-one chat "
          "no mention is needed.",
          "The secretariat chooses what this channel receives with `here evaluation`, "
          "`here reminders` or `here announcements`."),
)


class DeskBot(TeamsActivityHandler):
    def __init__(self, desk: Desk, reach: Reach, clock: Callable[[], datetime],
                 messenger: Wakeable | None = None,
                 pictures: Callable[[Outcome], Awaitable[Outcome]] | None = None) -> None:
        self.desk = desk
        # gives a card's chart an address Teams can fetch (`bot.charts`)
        self.pictures = pictures
        self.reach = reach
        self.clock = clock
        self.messenger = messenger
        self.answerer = Answerer(reach)
        # references this process stored lately (key -> monotonic time): most messages then
        # cost no write, and a person registered meanwhile is looked at again soon
        self._remembered: dict[tuple[str, ...], float] = {}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        await self._remember(activity)
        arrival = parse.read_activity(activity, self.clock(), await self._mentioned(activity))
        if arrival is None:
            return
        outcome = await self._run(arrival.inbound)
        await self.answerer.answer(activity, arrival, outcome)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        await self._remember(activity)
        arrival = parse.read_activity(activity, self.clock())
        if arrival is None:
            return _invoke(MESSAGE_RESPONSE, "This button does not belong to S3 Desk.")
        outcome = await self._run(arrival.inbound)
        if arrival.shared and is_private(outcome):
            sent = await self.answerer.to_asker(activity, outcome.reply)
            return _invoke(MESSAGE_RESPONSE, SENT_PRIVATELY if sent else NO_PRIVATE_CHAT)
        return _invoke(CARD_RESPONSE, render(outcome.reply))

    async def _run(self, inbound: Inbound) -> Outcome:
        outcome = await run_command(self.desk, inbound, self.messenger)
        return await self.pictures(outcome) if self.pictures else outcome

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Handled here rather than in the Teams dispatch, which looks every new member up.
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(m.id == bot_id for m in activity.members_added or []):
            return
        reference = parse.channel_reference(activity)
        await asyncio.to_thread(self._store_install, activity, reference)
        await self.reach.connector.send(activity.service_url, reference["conversation"]["id"],
                                        card_activity(WELCOME))

    async def _mentioned(self, activity: Activity) -> dict[str, str]:
        """AAD object ids of the people a message mentions, where Teams left them out."""
        bot_id = activity.recipient.id if activity.recipient else ""
        wanted = parse.other_mentions(activity, bot_id)
        if not wanted:
            return {}
        team = parse.as_dict(parse.as_dict(activity.channel_data).get("team")).get("id")
        scope = team or parse.channel_of(activity.conversation.id)
        found = {}
        for member_id, _name in wanted:
            aad = await self.reach.connector.member_aad_id(activity.service_url, scope,
                                                           member_id)
            if aad:
                found[member_id] = aad
        return found

    async def _remember(self, activity: Activity) -> None:
        user_id, tenant = parse.user_id_of(activity), parse.tenant_of(activity)
        kind = parse.conversation_type_of(activity)
        reference = parse.channel_reference(activity)
        key = (user_id, tenant or "", reference["conversation"]["id"], activity.service_url)
        now = time.monotonic()
        seen = self._remembered.get(key)
        if seen is not None and now - seen < REMEMBER_SECONDS:
            return
        name = str(activity.from_property.name or "")
        if await asyncio.to_thread(self._store, user_id, tenant, kind, reference, name):
            if len(self._remembered) > 10_000:
                self._remembered.clear()
            self._remembered[key] = now

    def _store(self, user_id: str, tenant: str | None, kind: str,
               reference: dict[str, Any], name: str) -> bool:
        with self.reach.db.transaction() as session:
            personal = reference if kind == "personal" else None
            known = refs.remember_person_chat(session, parse.PLATFORM, user_id,
                                              tenant_id=tenant, reference=personal,
                                              display_name=name, now=self.clock())
            if kind != "personal":
                refs.remember_place(session, parse.PLATFORM, reference["conversation"]["id"],
                                    reference)
            # a stranger may be registered any moment: look again next time
            return known

    def _store_install(self, activity: Activity, reference: dict[str, Any]) -> None:
        tenant = parse.tenant_of(activity)
        with self.reach.db.transaction() as session:
            refs.remember_install(session, parse.PLATFORM, tenant, reference)
            refs.remember_place(session, parse.PLATFORM, reference["conversation"]["id"],
                                reference)
            if parse.conversation_type_of(activity) == "personal":
                refs.remember_person_chat(session, parse.PLATFORM, parse.user_id_of(activity),
                                          tenant_id=tenant, reference=reference)


def _invoke(kind: str, value: Any) -> InvokeResponse:
    if kind == MESSAGE_RESPONSE:
        # the SDK's model holds only an object as value; Teams wants the message as a string
        return InvokeResponse(status=int(HTTPStatus.OK),
                              body={"statusCode": int(HTTPStatus.OK), "type": kind,
                                    "value": value})
    # The model itself, not its serialized form: the HTTP layer serializes it exactly once.
    body = AdaptiveCardInvokeResponse(status_code=int(HTTPStatus.OK), type=kind, value=value)
    return InvokeResponse(status=int(HTTPStatus.OK), body=body)
