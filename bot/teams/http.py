"""`POST /api/messages`: Bot Framework activities in, authenticated before any turn runs.

botbuilder's own aiohttp entry point answers 500 to a malformed token and runs a turn for
an unsigned request when no app id is set. This endpoint authenticates first and answers
401 to every authentication failure without running anything, serves only allow-listed
tenants, and refuses to start in production without the app's credentials.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from aiohttp import web
from botbuilder.core import serializer_helper
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult, BotFrameworkAuthentication
from msrest.serialization import Model

from bot.charts import ChartLinks
from bot.config import Settings
from bot.normalise import clean_payload
from bot.services import Services
from bot.teams.bot import DeskBot
from bot.teams.connector import Backoff, Connector
from bot.teams.parse import tenant_of
from bot.teams.reach import Reach
from bot.teams.sender import TeamsSender
from bot.teams.settings_check import (
    TeamsSettingsError,
    allowed_tenants,
    check_settings,
    may_serve,
)
from bot.teams.shape import activity_problem

log = logging.getLogger("s3desk.teams")
ROUTE = "/api/messages"


class BotConfiguration:
    """The attribute names botbuilder's configuration-driven authentication reads."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id or ""
        password = settings.microsoft_app_password
        self.APP_PASSWORD = password.get_secret_value() if password else ""
        self.APP_TYPE = settings.microsoft_app_type
        self.APP_TENANTID = settings.microsoft_app_tenant_id or ""


def install(app: web.Application, services: Services) -> None:
    """Mount Teams on the shared server and register its outbox sender, where it is safe."""
    if not may_serve(services.settings, services.bind_host):
        return
    mount(app, services, configured_authentication(services.settings))


def configured_authentication(settings: Settings) -> BotFrameworkAuthentication:
    return ConfigurationBotFrameworkAuthentication(BotConfiguration(settings))


@dataclass(frozen=True)
class TeamsParts:
    endpoint: TeamsEndpoint
    sender: TeamsSender
    connector: Connector


def build(services: Services, authentication: BotFrameworkAuthentication,
          backoff: Backoff | None = None) -> TeamsParts:
    settings = services.settings
    connector = Connector(authentication, settings.microsoft_app_id or "", backoff)
    reach = Reach(services.db, connector)
    bot = DeskBot(services.desk, reach, services.clock, services.messenger,
                  ChartLinks(services).attach)
    endpoint = TeamsEndpoint(CloudAdapter(authentication), bot, authentication,
                             allowed_tenants(settings),
                             authenticated=bool(settings.microsoft_app_id))
    return TeamsParts(endpoint, TeamsSender(reach), connector)


def mount(app: web.Application, services: Services,
          authentication: BotFrameworkAuthentication, backoff: Backoff | None = None
          ) -> TeamsEndpoint:
    parts = build(services, authentication, backoff)
    services.messenger.register(parts.sender)
    app.router.add_post(ROUTE, parts.endpoint.handle)

    async def _close(_app: web.Application) -> None:
        await parts.connector.close()

    app.on_cleanup.append(_close)
    return parts.endpoint


class TeamsEndpoint:
    def __init__(self, adapter: CloudAdapter, bot: DeskBot,
                 authentication: BotFrameworkAuthentication, tenants: frozenset[str],
                 *, authenticated: bool) -> None:
        self.adapter = adapter
        self.bot = bot
        self.authentication = authentication
        self.tenants = tenants
        self.authenticated = authenticated

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(415, "send the activity as application/json")
        activity, problem = await _read_activity(request)
        if activity is None:
            log.info("refused a malformed activity (%s)", problem)
            return _problem(400, "the body is not a Bot Framework activity")
        try:
            result = await self._authenticate(activity, request.headers.get("Authorization", ""))
        except Exception as exc:  # every way a token can be wrong is the same answer: 401
            log.warning("refused an activity: authentication failed (%s)", type(exc).__name__)
            return _problem(401, "unauthorized")
        tenant = tenant_of(activity)
        if self.tenants and tenant not in self.tenants:
            log.warning("refused an activity from a tenant not on S3DESK_TEAMS_TENANTS")
            return _problem(403, "this tenant is not served here")
        try:
            invoke = await self.adapter.process_activity(result, activity, self.bot.on_turn)
        except Exception:
            # Teams sends the activity again; the desk's replay guard keeps that harmless.
            log.exception("a Teams turn failed (activity type %s)", activity.type)
            return _problem(500, "the bot could not handle this activity; try again")
        if invoke is None:
            return web.Response(status=201)
        payload = invoke.body
        if isinstance(payload, Model):
            payload = serializer_helper(payload)
        return web.json_response(payload, status=invoke.status,
                                 dumps=lambda data: json.dumps(data, default=str))

    async def _authenticate(self, activity: Activity, header: str) -> AuthenticateRequestResult:
        if not self.authenticated:
            return await self.authentication.authenticate_request(activity, header)
        # Token checks fetch signing keys with a blocking HTTP client: keep them off the loop.
        return await asyncio.to_thread(
            asyncio.run, self.authentication.authenticate_request(activity, header))


async def _read_activity(request: web.Request) -> tuple[Activity | None, str | None]:
    """The activity, its text cleaned (`bot.normalise`); or None and what is wrong with it."""
    try:
        body = clean_payload(await request.json())
        problem = activity_problem(body)
        if problem is not None:
            return None, problem
        return Activity().deserialize(body), None
    except (ValueError, TypeError, AttributeError) as exc:  # msrest's errors are ValueErrors
        return None, type(exc).__name__


def _problem(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


__all__ = ["ROUTE", "TeamsSettingsError", "allowed_tenants", "check_settings", "install",
           "mount"]
