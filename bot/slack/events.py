"""Messages: a command typed in a case's thread, or in a direct message to the bot.

In a case thread (a thread under a case card the bot posted) a reply that starts with a
command runs as its author, and the desk knows the case from the thread. Other talk in the
thread is left alone. In the bot's direct-message tab every message is a command. Edits,
joins and other subtypes, other bots and our own posts are ignored. The event is acked at
once; the command and its answer follow in a task of their own.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import parse, pictures
from bot.slack.answers import answer
from bot.slack.runtime import SlackRuntime
from handlers.core.desk import Inbound
from handlers.core.types import Button, Card, Outcome


def form_button(outcome: Outcome, text: str) -> Outcome:
    """A message cannot open a modal (no trigger id): offer a button that can."""
    form = outcome.reply.form
    title = form.title if form else outcome.reply.title
    card = Card(title=title, text=("Press the button to open the form.",),
                buttons=(Button("Open the form", text, "primary"),))
    return Outcome(card)


async def wanted(runtime: SlackRuntime, event: dict[str, Any]) -> bool:
    """A direct message to the bot, or a command typed in a case's thread."""
    if event.get("channel_type") == "im":
        return True
    thread = parse.optional(event, "thread_ts")
    if not thread or thread == event.get("ts"):
        return False
    text = parse.command_text(event.get("text"))
    return runtime.is_command(parse.strip_mention(text)) and await runtime.is_case_thread(
        str(event.get("channel")), thread)


async def run_message(runtime: SlackRuntime, client: AsyncWebClient, event: dict[str, Any],
                      inbound: Inbound) -> None:
    """After the ack: run the command a message holds and answer in its thread."""
    if not await wanted(runtime, event):
        return
    outcome = await runtime.run(inbound)
    if outcome.opens_form:
        outcome = form_button(outcome, inbound.text)
    # Slack retries an event it thinks was lost: the command ran once (the desk keys it on
    # the event id), and the answer is posted once.
    async with runtime.once(inbound.source_id or "") as first:
        if first:
            await answer(client, outcome, user_id=inbound.user_id,
                         channel_id=parse.optional(event, "channel"),
                         thread_ts=parse.optional(event, "thread_ts"))
            pictures.send_later(client, outcome.reply, inbound)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.event("message")
    async def on_message(ack: AsyncAck, body: dict[str, Any], event: dict[str, Any],
                         context: AsyncBoltContext, client: AsyncWebClient) -> None:
        person = parse.is_person_message(event, context.bot_user_id)
        inbound = parse.thread_message(body, runtime.now()) if person else None
        await ack()
        if inbound is not None:
            runtime.later(run_message(runtime, client, event, inbound), "answering a message")
