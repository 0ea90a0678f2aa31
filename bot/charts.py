"""Chart pictures by address, for a platform that shows an image from a URL (Teams).

A card that carries a chart (`Card.chart`, e.g. `stats`) is given `image_url`:
`<S3DESK_PUBLIC_URL>/charts/<token>.png`, where the token names the chart and expires after
an hour, signed with a key kept in the store (`bot.signing`). `GET /charts/<token>.png`
checks the token and draws the chart from the store at that moment, in a command thread
(matplotlib loads with the first picture asked for). A bad or expired token gets 404.
Without S3DESK_PUBLIC_URL there is no address to give, and the card goes as it is.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.edge import command_pool
from bot.signing import sign, verify
from handlers.core.types import Outcome
from handlers.figures.stats import draw_chart
from storage.secrets import read_secret, stored_secret

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger("s3desk.charts")

ROUTE = "/charts/{token}.png"
LIFETIME = timedelta(hours=1)
KEY_NAME = "charts"


class ChartLinks:
    """Signs chart addresses and draws the charts they name."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.base = (services.settings.public_url or "").rstrip("/")

    def key(self) -> bytes:
        """The signing key from the store, made on first use; read each time, so removing
        it from the store makes every address handed out so far invalid at once."""
        with self.services.db.read() as session:
            found = read_secret(session, KEY_NAME)
        if found is None:
            with self.services.db.transaction() as session:
                found = stored_secret(session, KEY_NAME, self.services.clock())
        return found.encode()

    def url(self, chart: str) -> str:
        expires = self.services.clock() + LIFETIME
        return f"{self.base}/charts/{sign({'chart': chart}, self.key(), expires)}.png"

    async def attach(self, outcome: Outcome) -> Outcome:
        """The outcome with its chart's address on the card, when it has a chart to show."""
        card = outcome.reply
        if not card.chart or not self.base:
            return outcome
        url = await asyncio.to_thread(self.url, card.chart)
        return replace(outcome, reply=replace(card, image_url=url))

    def draw(self, token: str) -> bytes | None:
        data = verify(token, self.key(), self.services.clock())
        chart = data.get("chart") if data else None
        if not isinstance(chart, str):
            return None
        with self.services.db.read() as session:
            return draw_chart(session, chart)

    async def picture(self, request: web.Request) -> web.Response:
        loop = asyncio.get_running_loop()
        png = await loop.run_in_executor(command_pool(), self.draw,
                                         request.match_info["token"])
        if png is None:
            raise web.HTTPNotFound()
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": "private, max-age=300"})


def install(app: web.Application, services: Services) -> ChartLinks:
    links = ChartLinks(services)
    app.router.add_get(ROUTE, links.picture)
    return links
