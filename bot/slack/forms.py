"""Modals: submitted forms run their command; region pickers get type-ahead options.

A submission whose outcome is the form again, with errors, keeps the modal open and shows
each error under its own field (`response_action: errors`, keyed by the field's block).
Anything else closes the modal and the answer is posted where the form was opened from.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import modals, parse
from bot.slack.answers import answer
from bot.slack.mrkdwn import clip
from bot.slack.render import plain
from bot.slack.runtime import SlackRuntime
from handlers.core.desk import Inbound
from handlers.core.types import Outcome

ERROR_CHARS = 300


def modal_answer(outcome: Outcome, view: dict[str, Any]) -> dict[str, Any] | None:
    """The `ack` that keeps the modal open, or None when the modal may close."""
    found = view.get("blocks")
    blocks = [b.get("block_id") for b in (found if isinstance(found, list) else [])
              if isinstance(b, dict) and b.get("type") == "input"]
    form = outcome.reply.form
    if outcome.opens_form and form is not None:
        errors = modals.form_errors(form)
        if errors and set(errors) <= set(blocks):
            return {"response_action": "errors", "errors": errors}
        meta = modals.read_metadata(view.get("private_metadata"))
        return {"response_action": "update",
                "view": modals.form_view(form, meta.get("channel"), meta.get("thread"))}
    if outcome.reply.tone == "error" and blocks:
        # refused or invalid as a whole: say so on the first field, keeping what was typed
        reason = " ".join((outcome.reply.title, *outcome.reply.text))
        return {"response_action": "errors", "errors": {blocks[0]: clip(reason, ERROR_CHARS)}}
    return None


def region_options(found: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"text": plain(label, modals.OPTION_CHARS), "value": code} for code, label in found]


async def post_answer(runtime: SlackRuntime, client: AsyncWebClient, inbound: Inbound,
                      outcome: Outcome) -> None:
    """After the ack (the modal has closed): post the answer where the form was opened."""
    async with runtime.once(inbound.source_id or "") as first:
        if first:
            where = inbound.where
            await answer(client, outcome, user_id=inbound.user_id,
                         channel_id=where.channel_id if where else None,
                         thread_ts=where.thread_id if where else None)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.view(modals.FORM_CALLBACK)
    async def on_form_submitted(ack: AsyncAck, body: dict[str, Any],
                                client: AsyncWebClient) -> None:
        inbound = parse.view_submission(body, runtime.now())
        if not inbound.text:
            await ack()
            return
        outcome = await runtime.run(inbound)
        keep_open = modal_answer(outcome, parse.mapping(body.get("view")))
        if keep_open is not None:
            await ack(**keep_open)
            return
        await ack()
        runtime.later(post_answer(runtime, client, inbound, outcome), "answering a form")

    @app.options(modals.REGION_ACTION)
    async def on_region_typed(ack: AsyncAck, body: dict[str, Any]) -> None:
        found = await runtime.regions(parse.optional(body, "value") or "")
        await ack(options=region_options(found))
