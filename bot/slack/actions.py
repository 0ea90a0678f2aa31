"""Buttons: the value is a command, run again as whoever pressed it.

Any channel member can press any button, so the command is checked anew against the
presser's own role. The answer goes to the presser through the message's response_url
(a pager replaces the page it came from); buttons on App Home or in a modal have no message
to answer under, so their answer opens as a modal. The press is acked at once; the command
and its answer follow in a task of their own.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import parse, pictures, render
from bot.slack.commands import open_form
from bot.slack.runtime import SlackRuntime
from handlers.core.desk import Inbound
from handlers.core.types import Outcome

BUTTON_ACTIONS = re.compile(
    rf"^(?:{re.escape(render.RUN_ACTION)}|{re.escape(render.PAGE_ACTION)})\.")


async def show_in_view(client: AsyncWebClient, body: dict[str, Any], outcome: Outcome) -> None:
    """Answer a button on App Home or in a modal: the card opens (or stacks) as a modal."""
    view = render.result_modal(outcome.reply)
    trigger = parse.required(body, "trigger_id")
    if parse.optional(body, "view", "type") == "modal":
        await client.views_push(trigger_id=trigger, view=view)
    else:
        await client.views_open(trigger_id=trigger, view=view)


async def answer_button(runtime: SlackRuntime, client: AsyncWebClient, respond: AsyncRespond,
                        body: dict[str, Any], action: dict[str, Any], inbound: Inbound) -> None:
    """After the ack: run the button's command and answer where the button was."""
    outcome = await runtime.run(inbound)
    container = parse.mapping(body.get("container"))
    async with runtime.once(inbound.source_id or "") as first:
        if not first:
            return  # the same press arrived again: it was answered already
        in_modal = parse.optional(body, "view", "type") == "modal"
        if outcome.opens_form and await open_form(
                client, parse.optional(body, "trigger_id") or "", outcome, inbound.where,
                push=in_modal):
            return
        if container.get("type") == "view":
            await show_in_view(client, body, outcome)
            return
        paging = str(action.get("action_id", "")).startswith(render.PAGE_ACTION)
        replace = paging and bool(container.get("is_ephemeral"))
        await respond(**render.reply_payload(outcome), replace_original=replace)
        pictures.send_later(client, outcome.reply, inbound)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.action(BUTTON_ACTIONS)
    async def on_button(ack: AsyncAck, body: dict[str, Any], action: dict[str, Any],
                        client: AsyncWebClient, respond: AsyncRespond) -> None:
        inbound = parse.block_action(body, action, runtime.now())
        # the answer opens as a modal on App Home, else goes to the message's response URL
        on_view = parse.optional(body, "container", "type") == "view"
        parse.required(body, "trigger_id" if on_view else "response_url")
        await ack()
        if inbound.text:
            runtime.later(answer_button(runtime, client, respond, body, action, inbound),
                          "answering a button")
