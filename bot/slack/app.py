"""The one AsyncApp both transports share (HTTP at /slack/events, and Socket Mode).

`process_before_response=True`: the listener's ack is the HTTP response. In Bolt's default
mode the listener runs in a task while the request polls for the ack every 10 ms, which
costs about 11 ms a request; answering in the ack costs well under one.

Bolt's own request verification is off because the HTTP edge (`bot.slack.http`) verifies
every request before Bolt sees it: Bolt answers 500 to a non-numeric timestamp and logs the
whole request body at INFO on a bad signature. Socket Mode needs no signature (Slack's
authenticated WebSocket carries the requests). Never serve this app over HTTP any other way.
"""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.slack import listeners
from bot.slack.client import configure
from bot.slack.runtime import SlackRuntime

log = logging.getLogger("s3desk.slack")


def build_app(runtime: SlackRuntime, token: str, api_url: str) -> AsyncApp:
    """The app and its Web API client (`app.client`: our base URL, 429s waited out)."""
    app = AsyncApp(
        # Bolt gives the logger of this name the level of `logger` below (unset): named
        # "s3desk" it would reset our own loggers' level at the first Slack request
        name="s3desk.slack.bolt",
        token=token,
        signing_secret="",
        process_before_response=True,
        request_verification_enabled=False,
        logger=log,
    )
    configure(app.client, api_url)
    listeners.register(app, runtime)
    return app
