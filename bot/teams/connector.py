"""Calls to the Bot Framework connector, with the retries botbuilder does not make.

The connector client makes one attempt and raises on 429 (throttled) and 503: every call
here is retried with exponential backoff and full jitter (honouring Retry-After), then
reported as a `ConnectorError` that says whether trying later may help.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationParameters,
    ErrorResponseException,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
)
from msrest.exceptions import ClientRequestError

log = logging.getLogger("s3desk.teams")
T = TypeVar("T")

# worth another try: throttled, or the service is briefly unwell
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ConnectorError(Exception):
    def __init__(self, message: str, status: int | None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:
        return self.status is None or self.status in RETRY_STATUSES or self.status == 401


@dataclass
class Backoff:
    """Exponential backoff with full jitter: wait a random time up to base * 2**attempt."""

    attempts: int = 4
    base: float = 0.5
    cap: float = 8.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        wait = self.rng.uniform(0, min(self.cap, self.base * 2**attempt))
        if retry_after is not None:
            # never sooner than the service asked, never absurdly long
            wait = max(wait, min(retry_after, self.cap))
        return wait


async def with_retry(call: Callable[[], Awaitable[T]], backoff: Backoff, what: str) -> T:
    attempt = 0
    while True:
        try:
            return await call()
        except ErrorResponseException as exc:
            status, retry_after = _status(exc), _retry_after(exc)
            error = ConnectorError(f"{what}: HTTP {status}", status, retry_after)
        except (TimeoutError, ClientRequestError, aiohttp.ClientError) as exc:
            error = ConnectorError(f"{what}: {type(exc).__name__}", None)
        attempt += 1
        if not error.transient or error.status == 401 or attempt >= backoff.attempts:
            raise error
        wait = backoff.delay(attempt - 1, error.retry_after)
        log.info("%s; trying again in %.2f s (attempt %d)", error, wait, attempt + 1)
        await backoff.sleep(wait)


class Connector:
    """One client per service URL, authenticated as the bot, every call retried."""

    def __init__(self, authentication: BotFrameworkAuthentication, app_id: str,
                 backoff: Backoff | None = None) -> None:
        self._authentication = authentication
        self._app_id = app_id
        self.backoff = backoff or Backoff()
        self._clients: dict[str, ConnectorClient] = {}

    async def _client(self, service_url: str) -> ConnectorClient:
        client = self._clients.get(service_url)
        if client is None:
            identity = ClaimsIdentity({AuthenticationConstants.AUDIENCE_CLAIM: self._app_id,
                                       AuthenticationConstants.APP_ID_CLAIM: self._app_id}, True)
            factory = self._authentication.create_connector_factory(identity)
            client = await factory.create(service_url, None)
            self._clients[service_url] = client
        return client

    async def send(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        client = await self._client(service_url)
        response = await with_retry(
            lambda: client.conversations.send_to_conversation(conversation_id, activity),
            self.backoff, "post")
        return str(getattr(response, "id", "") or "")

    async def reply(self, service_url: str, conversation_id: str, reply_to: str,
                    activity: Activity) -> str:
        client = await self._client(service_url)
        response = await with_retry(
            lambda: client.conversations.reply_to_activity(conversation_id, reply_to, activity),
            self.backoff, "reply")
        return str(getattr(response, "id", "") or "")

    async def update(self, service_url: str, conversation_id: str, activity_id: str,
                     activity: Activity) -> None:
        client = await self._client(service_url)
        activity.id = activity_id
        await with_retry(
            lambda: client.conversations.update_activity(conversation_id, activity_id, activity),
            self.backoff, "update")

    async def open_personal_chat(self, service_url: str, tenant_id: str | None,
                                 user: ChannelAccount, bot: ChannelAccount | None) -> str:
        """The id of the bot's one-to-one chat with `user` (Teams returns the existing one)."""
        client = await self._client(service_url)
        parameters = ConversationParameters(
            is_group=False, bot=bot, members=[user], tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )
        response = await with_retry(
            lambda: client.conversations.create_conversation(parameters),
            self.backoff, "open chat")
        return str(response.id)

    async def member_aad_id(self, service_url: str, conversation_id: str,
                            member_id: str) -> str | None:
        """A conversation member's AAD object id (mentions carry only the channel id)."""
        client = await self._client(service_url)
        try:
            member: Any = await with_retry(
                lambda: client.conversations.get_conversation_member(conversation_id,
                                                                     member_id),
                self.backoff, "member")
        except ConnectorError as exc:
            log.info("could not look up a mentioned member: %s", exc)
            return None
        return getattr(member, "aad_object_id", None)

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.__aexit__(None, None, None)


def _status(exc: ErrorResponseException) -> int | None:
    response = getattr(exc, "response", None)
    for name in ("status_code", "status"):
        value = getattr(response, name, None)
        if isinstance(value, int):
            return value
    return None


def _retry_after(exc: ErrorResponseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    raw = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return max(float(raw), 0.0) if raw is not None else None
    except ValueError:
        return None
