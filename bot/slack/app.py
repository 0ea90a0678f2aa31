"""The one AsyncApp both transports share (HTTP at /slack/events, and Socket Mode).

`process_before_response=True`: the listener's ack is the HTTP response. In Bolt's default
mode the listener runs in a task while the request polls for the ack every 10 ms, which
costs about 11 ms a request; answering in the ack costs well under one. So a listener
answers in its ack what it can answer from the store alone, and hands every Web API call
(posts, modals, App Home) to a task of its own (`AfterAck`): the ack never waits for Slack.

Bolt's own request verification is off because the HTTP edge (`bot.slack.http`) verifies
every request before Bolt sees it: Bolt answers 500 to a non-numeric timestamp and logs the
whole request body at INFO on a bad signature. Socket Mode needs no signature (Slack's
authenticated WebSocket carries the requests). Never serve this app over HTTP any other way.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.logger.messages import (
    warning_client_prioritized_and_token_skipped,
    warning_token_skipped,
)
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.normalise import clean_payload
from bot.slack import listeners
from bot.slack.client import configure, make_client
from bot.slack.identity import BotIdentity
from bot.slack.parse import MalformedPayload
from bot.slack.runtime import SlackRuntime

log = logging.getLogger("s3desk.slack")


class _TokenFromEnvironment(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and warns that our client
    and `authorize` take its place: they do, on purpose, so that warning says nothing."""

    EXPECTED = frozenset({warning_client_prioritized_and_token_skipped(),
                          warning_token_skipped()})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.EXPECTED


log.addFilter(_TokenFromEnvironment())

def build_app(runtime: SlackRuntime, token: str, api_url: str) -> AsyncApp:
    """The app; its listeners' clients use `api_url` with 429s waited out (after the ack).

    `app.client` carries no token (Bolt gives each request a client with the token); the
    outbox sender has a client of its own (`make_client`)."""
    identity = BotIdentity(token, make_client(token, api_url))

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        return await identity.authorize(enterprise_id, team_id)

    app = AsyncApp(
        # Bolt gives the logger of this name the level of `logger` below (unset): named
        # "s3desk" it would reset our own loggers' level at the first Slack request
        name="s3desk.slack.bolt",
        client=configure(AsyncWebClient(), api_url),
        authorize=authorize,
        signing_secret="",
        process_before_response=True,
        request_verification_enabled=False,
        logger=log,
    )
    app.use(clean_request)
    app.error(refuse_malformed)
    listeners.register(app, runtime)
    return app


async def clean_request(req: AsyncBoltRequest, next: Callable[[], Awaitable[None]]) -> None:
    """Every string of the payload cleaned (`bot.normalise`) before a listener reads it."""
    req.body = clean_payload(req.body)
    await next()


async def refuse_malformed(error: Exception) -> BoltResponse:
    """A payload without what its kind always carries is the sender's mistake: 400 and one
    line. Anything else is ours: 500, logged with its traceback (never with the payload)."""
    if isinstance(error, MalformedPayload):
        log.info("refused a malformed Slack request (%s)", error)
        return BoltResponse(status=400, body="malformed request")
    log.error("a Slack request failed (%s)", type(error).__name__, exc_info=error)
    return BoltResponse(status=500, body="")
