"""Bolt's `authorize`: the bot's token, and who the bot is (auth.test), learnt off the ack.

In Bolt's single-workspace mode the first request calls auth.test before its listener runs,
so a slow or rate-limited Web API delays that request's ack past Slack's 3 s. Here every
request is authorized with the token at once; auth.test runs in the background and its
answer is kept. Until it arrives Bolt cannot tell the bot's own events by id, which the
listeners do not need: they ignore every message a bot posted.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("s3desk.slack")


class BotIdentity:
    def __init__(self, token: str, client: AsyncWebClient) -> None:
        self._token = token
        self._client = client
        self._known: AuthorizeResult | None = None
        self._asking: asyncio.Task[None] | None = None

    async def authorize(self, enterprise_id: str | None, team_id: str | None
                        ) -> AuthorizeResult:
        if self._known is not None:
            return self._known
        if self._asking is None:
            self._asking = asyncio.get_running_loop().create_task(self._ask())
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id,
                               bot_token=self._token)

    async def _ask(self) -> None:
        try:
            answer = await self._client.auth_test()
            self._known = AuthorizeResult.from_auth_test_response(
                auth_test_response=answer, bot_token=self._token)
        except (SlackApiError, TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("Slack did not say who the bot is (%s); asking again with the next "
                        "request", type(exc).__name__)
        finally:
            self._asking = None
