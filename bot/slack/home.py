"""App Home: each time a person opens the bot's Home tab, publish what waits for them."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import render
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    @app.event("app_home_opened")
    async def on_home_opened(ack: AsyncAck, event: dict[str, Any],
                             client: AsyncWebClient) -> None:
        await ack()
        if event.get("tab", "home") != "home" or not event.get("user"):
            return
        card = await runtime.home(str(event["user"]))
        # publishing the same view again is harmless, so a retried event needs no key
        await client.views_publish(user_id=event["user"], view=render.home_view(card))
