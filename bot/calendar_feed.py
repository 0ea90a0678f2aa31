"""`GET /calendar.ics?token=...`: the iCalendar feed of the programme's dates.

Off (404) until a token is configured (S3DESK_CALENDAR_TOKEN, or one issued in chat with
`cutoffs ics new`); a missing or wrong token gets 401. The token is compared in constant
time against every token that opens the feed. The feed is built from the store on each
request, in a command thread (`handlers.cutoffs.feed`, loaded with its iCalendar library on
the first request: most servers are never asked).
"""

from __future__ import annotations

import asyncio
import hmac
from typing import TYPE_CHECKING

from aiohttp import web

from bot.edge import command_pool
from handlers.cutoffs.ics import FEED_PATH, feed_tokens

if TYPE_CHECKING:
    from bot.services import Services

CALENDAR_TYPE = "text/calendar"


class _Off(Exception):
    """No token is configured: the feed does not exist."""


class _Refused(Exception):
    """A token is configured, and this request did not bring it."""


def _feed(services: Services, given: str) -> bytes:
    config = services.desk.config
    with services.db.read() as session:
        tokens = feed_tokens(session, config)
        if not tokens:
            raise _Off
        # every token is compared, so the time taken says nothing about which came close
        offered = given.encode("utf-8", "replace")
        matches = [hmac.compare_digest(offered, token.encode()) for token in tokens]
        if not any(matches):
            raise _Refused
        from handlers.cutoffs.feed import calendar_feed

        return calendar_feed(session, config, services.clock())


def install(app: web.Application, services: Services) -> None:
    async def feed(request: web.Request) -> web.Response:
        given = request.query.get("token", "")
        loop = asyncio.get_running_loop()
        try:
            body = await loop.run_in_executor(command_pool(), _feed, services, given)
        except _Off:
            raise web.HTTPNotFound() from None
        except _Refused:
            raise web.HTTPUnauthorized(text="This feed needs its token.") from None
        return web.Response(body=body, content_type=CALENDAR_TYPE, charset="utf-8", headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": 'inline; filename="s3desk.ics"'})

    app.router.add_get(FEED_PATH, feed)
