"""Teams on the shared server, with the Bot Framework SDK loaded on first use.

`/api/messages` is served wherever it is safe (see `settings_check.closed_reason`), but a
desk used only from Slack never needs botbuilder and its dependencies (about 25 MB of a
server's memory). The settings are checked at start-up all the same; the SDK loads with the
first Teams activity or the first outbox row bound for Teams.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.senders import Delivery
from bot.teams.settings_check import may_serve

if TYPE_CHECKING:
    from bot.services import Services
    from bot.teams.http import TeamsParts

ROUTE = "/api/messages"


class LazyTeams:
    platform = "teams"

    def __init__(self, services: Services) -> None:
        self.services = services
        self._parts: TeamsParts | None = None
        self._loading = asyncio.Lock()

    @property
    def loaded(self) -> bool:
        return self._parts is not None

    async def parts(self) -> TeamsParts:
        async with self._loading:
            if self._parts is None:
                from bot.teams import http

                authentication = http.configured_authentication(self.services.settings)
                self._parts = http.build(self.services, authentication)
            return self._parts

    async def handle(self, request: web.Request) -> web.StreamResponse:
        return await (await self.parts()).endpoint.handle(request)

    # the outbox Sender protocol, delegated to the real sender once loaded
    async def post(self, delivery: Delivery) -> str:
        return await (await self.parts()).sender.post(delivery)

    async def update(self, delivery: Delivery, message_id: str) -> None:
        await (await self.parts()).sender.update(delivery, message_id)

    async def find_posted(self, delivery: Delivery) -> str | None:
        return await (await self.parts()).sender.find_posted(delivery)

    async def close(self, _app: Any = None) -> None:
        if self._parts is not None:
            await self._parts.connector.close()


def install(app: web.Application, services: Services) -> LazyTeams | None:
    if not may_serve(services.settings, services.bind_host):
        return None
    teams = LazyTeams(services)
    services.messenger.register(teams)
    app.router.add_post(ROUTE, teams.handle)
    app.on_cleanup.append(teams.close)
    return teams
