"""`/s3 ...`: the text after the slash command is the command, answered in the ack itself.

With `process_before_response=True` the listener's ack is the HTTP response, so the reply
costs one round trip and no Web API call. A command whose outcome is a form is acked empty
and its modal opened after the ack (views.open may be slow; the ack must not wait for it).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import modals, parse, pictures, render
from bot.slack.runtime import SlackRuntime
from handlers.core.desk import error_card
from handlers.core.types import Outcome, Where

log = logging.getLogger("s3desk.slack.commands")

SLASH_COMMAND = "/s3"


async def open_form(client: AsyncWebClient, trigger_id: str, outcome: Outcome,
                    where: Where | None, push: bool = False) -> bool:
    """Open the outcome's form as a modal; False when Slack would not (trigger used up).

    The modal remembers the channel and thread, so its answer goes back there."""
    form = outcome.reply.form
    if form is None:
        return False
    view = modals.form_view(form, where.channel_id if where else None,
                            where.thread_id if where else None)
    try:
        if push:
            await client.views_push(trigger_id=trigger_id, view=view)
        else:
            await client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:
        log.info("form not opened: %s", exc.response.get("error"))
        return False
    return True


FORM_NOT_OPENED = Outcome(error_card(
    "The form could not be opened (Slack allows a few seconds for that). Please try again."))


async def open_form_or_say(client: AsyncWebClient, respond: AsyncRespond, trigger_id: str,
                           outcome: Outcome, where: Where | None) -> None:
    """After the ack: open the form, or tell the person it could not be opened."""
    if not await open_form(client, trigger_id, outcome, where):
        await respond(**render.reply_payload(FORM_NOT_OPENED))


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.command(SLASH_COMMAND)
    async def on_slash_command(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient,
                               respond: AsyncRespond) -> None:
        inbound = parse.slash_command(body, runtime.now())
        outcome = await runtime.run(inbound)
        if outcome.opens_form and outcome.reply.form is not None:
            # an empty ack shows nothing; the modal opens right after (the trigger id
            # lasts 3 s from the person's command, not from our ack)
            await ack()
            runtime.later(open_form_or_say(client, respond, parse.required(body, "trigger_id"),
                                           outcome, inbound.where), "opening a form")
            return
        await ack(**render.reply_payload(outcome))
        pictures.send_later(client, outcome.reply, inbound)
