"""The floor: a bare slack-bolt AsyncApp on aiohttp that only acks `/s3`.

It runs the same stack S3 Desk does (aiohttp server, Bolt signature check, AsyncApp
dispatch with `process_before_response=True`) and nothing else: no database, no rendering.
Started as its own process, like the real server, with the same environment:

    SLACK_BOT_TOKEN=... SLACK_SIGNING_SECRET=... SLACK_API_URL=... python -m bench.bare --port N
"""

from __future__ import annotations

import argparse
import logging
import os

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def build_bolt_app(token: str, signing_secret: str, api_url: str) -> AsyncApp:
    client = AsyncWebClient(token=token, base_url=api_url)
    app = AsyncApp(client=client, signing_secret=signing_secret,
                   process_before_response=True, logger=logging.getLogger("bench.bare"))

    @app.command("/s3")
    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    return app


def build_web_app(bolt: AsyncApp) -> web.Application:
    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    bolt = build_bolt_app(
        os.environ["SLACK_BOT_TOKEN"],
        os.environ["SLACK_SIGNING_SECRET"],
        os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    web.run_app(build_web_app(bolt), host=options.host, port=options.port,
                access_log=None, print=None)


if __name__ == "__main__":
    main()
