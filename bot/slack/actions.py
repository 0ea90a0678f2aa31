"""Buttons: the value is a command, run again as whoever pressed it.

Any channel member can press any button, so the command is checked anew against the
presser's own role. The answer goes to the presser through the message's response_url
(a pager replaces the page it came from); buttons on App Home or in a modal have no message
to answer under, so their answer opens as a modal.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import parse, pictures, render
from bot.slack.commands import open_form
from bot.slack.runtime import SlackRuntime
from handlers.core.types import Outcome

BUTTON_ACTIONS = re.compile(
    rf"^(?:{re.escape(render.RUN_ACTION)}|{re.escape(render.PAGE_ACTION)})\.")


async def show_in_view(client: AsyncWebClient, body: dict[str, Any], outcome: Outcome) -> None:
    """Answer a button on App Home or in a modal: the card opens (or stacks) as a modal."""
    view = render.result_modal(outcome.reply)
    if (body.get("view") or {}).get("type") == "modal":
        await client.views_push(trigger_id=body["trigger_id"], view=view)
    else:
        await client.views_open(trigger_id=body["trigger_id"], view=view)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.action(BUTTON_ACTIONS)
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        inbound = parse.block_action(body, action, runtime.now())
        if not inbound.text:
            return
        outcome = await runtime.run(inbound)
        container = body.get("container") or {}
        async with runtime.once(inbound.source_id or "") as first:
            if not first:
                return  # the same press arrived again: it was answered already
            in_modal = (body.get("view") or {}).get("type") == "modal"
            if outcome.opens_form and await open_form(
                    client, body.get("trigger_id") or "", outcome, inbound.where, push=in_modal):
                return
            if container.get("type") == "view":
                await show_in_view(client, body, outcome)
                return
            paging = str(action.get("action_id", "")).startswith(render.PAGE_ACTION)
            replace = paging and bool(container.get("is_ephemeral"))
            await respond(**render.reply_payload(outcome), replace_original=replace)
            pictures.send_later(client, outcome.reply, inbound)
