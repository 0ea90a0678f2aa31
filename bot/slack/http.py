"""`POST /slack/events`: every Slack request, verified here before Bolt sees it.

Slack signs each request: `v0=` HMAC-SHA256 over `v0:{timestamp}:{body}` with the app's
signing secret, timestamp within five minutes. A missing, malformed, stale or wrong
signature, or a timestamp that is not a number, is answered 401 with no listener run and
nothing stored or logged but the fact of the refusal (Bolt's own check would answer 500 to
a non-numeric timestamp and log the whole body, applicant data and all, at INFO). A signed
request whose payload is not shaped as Slack shapes its payloads is answered 400
(`bot.slack.shape`): Bolt would answer it 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.services import Services
from bot.slack.app import build_app
from bot.slack.client import make_client
from bot.slack.parse import MalformedPayload
from bot.slack.runtime import SlackRuntime
from bot.slack.sender import SlackSender
from bot.slack.shape import check_shape

log = logging.getLogger("s3desk.slack.http")

EVENTS_PATH = "/slack/events"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def signed_by_slack(verifier: SignatureVerifier, headers: Any, body: bytes) -> bool:
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        return False
    return verifier.is_valid(body, timestamp, signature)


class SlackEndpoint:
    def __init__(self, bolt: AsyncApp, signing_secret: str) -> None:
        self.bolt = bolt
        self.verifier = SignatureVerifier(signing_secret)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        if not signed_by_slack(self.verifier, request.headers, body):
            log.info("refused a Slack request without a valid signature")
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return web.json_response({"error": "body is not UTF-8"}, status=400)
        headers: dict[str, str | Sequence[str]] = {
            k.lower(): request.headers.getall(k) for k in request.headers}
        try:
            # Bolt parses the body here (a `payload` field that is no JSON raises)
            bolt_request = AsyncBoltRequest(body=text, query=request.query_string,
                                            headers=headers)
            check_shape(bolt_request.body)
        except MalformedPayload as exc:
            return malformed(str(exc))
        except (ValueError, TypeError, AttributeError, LookupError) as exc:
            return malformed(type(exc).__name__)
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))


def malformed(reason: str) -> web.Response:
    log.info("refused a malformed Slack request (%s)", reason)
    return web.json_response({"error": "malformed request"}, status=400)


def install(app: web.Application, services: Services) -> None:
    """Mount Slack on the server and register its outbox sender with the messenger."""
    settings = services.settings
    token, secret = settings.slack_bot_token, settings.slack_signing_secret
    if token is None or secret is None:
        raise RuntimeError("Slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
    runtime = SlackRuntime(services.desk, services.messenger, services.clock)
    bolt = build_app(runtime, token.get_secret_value(), settings.slack_api_url)
    services.messenger.register(
        SlackSender(make_client(token.get_secret_value(), settings.slack_api_url)))
    endpoint = SlackEndpoint(bolt, secret.get_secret_value())
    app.router.add_post(EVENTS_PATH, endpoint.handle)
    app.on_shutdown.append(runtime.after_ack.drain)
