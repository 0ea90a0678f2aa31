"""Work that follows an ack: run as a task of its own, so Slack's 3 s never wait for it.

With `process_before_response=True` Bolt answers Slack only when the listener returns, so a
listener that posts, opens a modal or publishes App Home after `ack()` still holds the HTTP
response for as long as the Web API takes (and its 429 waits). The listeners ack, hand the
rest to `AfterAck.start`, and return. The tasks are kept, so shutdown can wait for them, and
a failure is logged by its kind, never with the payload.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

log = logging.getLogger("s3desk.slack")

DRAIN_SECONDS = 10.0


class AfterAck:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run `work` after this request is answered; `what` names it in the log."""
        task = asyncio.get_running_loop().create_task(self._run(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await work
        except SlackApiError as exc:
            log.warning("%s: Slack refused (%s)", what, exc.response.get("error"))
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("%s: Slack unreachable (%s)", what, type(exc).__name__)
        except Exception:
            log.exception("%s failed", what)

    async def drain(self, _app: object = None) -> None:
        """At shutdown: let answers in flight finish (for a while), then go."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
