"""Every Slack listener, registered in one place, one module per kind of request.

The listeners are thin: verify nothing (the HTTP edge did), turn the payload into an
`Inbound`, run it through the desk, render the outcome, answer. No command logic lives here.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack import actions, commands, events, forms, home
from bot.slack.runtime import SlackRuntime


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    commands.register(app, runtime)
    actions.register(app, runtime)
    forms.register(app, runtime)
    events.register(app, runtime)
    home.register(app, runtime)
