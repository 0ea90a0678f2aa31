"""Request bodies read once, up front, with a deadline: before any endpoint sees them.

aiohttp waits for a body as long as the client cares to send it, and a client that hangs up
halfway makes the handler raise, which aiohttp logs as an ERROR with a traceback (thousands
of them from one flaky network). Here the body is read under a deadline (408 when it runs
out) and a client gone mid-body is one INFO line. The endpoints' own `read()`/`json()` then
return the body already read.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from aiohttp.typedefs import Handler

log = logging.getLogger("s3desk.web")

# Slack and Teams send a few kilobytes at once; a body still arriving after this is not theirs
BODY_READ_SECONDS = 10.0
WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


@web.middleware
async def read_body_first(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in WITH_BODY and request.body_exists:
        try:
            await asyncio.wait_for(request.read(), BODY_READ_SECONDS)
        except TimeoutError:
            log.info("%s %s: no whole body after %.0f s; answered 408", request.method,
                     request.path, BODY_READ_SECONDS)
            return web.json_response({"error": "the request body came too slowly"},
                                     status=408)
        except ConnectionError:
            log.info("%s %s: the client went away before sending the whole body",
                     request.method, request.path)
            return web.Response(status=400)  # nobody is listening any more
    return await handler(request)
