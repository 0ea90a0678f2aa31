"""App Home: each time a person opens the bot's Home tab, publish what waits for them
(after the ack: views.publish may be slow)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import parse, render
from bot.slack.runtime import SlackRuntime


async def publish_home(runtime: SlackRuntime, client: AsyncWebClient, user_id: str) -> None:
    card = await runtime.home(user_id)
    # publishing the same view again is harmless, so a retried event needs no key
    await client.views_publish(user_id=user_id, view=render.home_view(card))


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(ack: AsyncAck, event: dict[str, Any],
                             client: AsyncWebClient) -> None:
        await ack()
        user_id = parse.optional(event, "user")
        if event.get("tab", "home") == "home" and user_id:
            runtime.later(publish_home(runtime, client, user_id), "publishing App Home")
