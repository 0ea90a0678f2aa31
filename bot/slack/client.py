"""The Slack Web API client S3 Desk uses: the configured base URL, and 429s waited out.

slack_sdk retries only connection errors by default, and a 429 raises. We install the
rate-limit retry handler instead, bounded: a short `Retry-After` is waited out in place, a
long one is handed back to the caller (the outbox reschedules the row). We deliberately do
not retry connection errors in the client: a reset after Slack accepted a post would post
twice. The outbox checks for an earlier post (message metadata) before trying again.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

# waits longer than this are not spent inside one request
MAX_INLINE_WAIT_SECONDS = 5
REQUEST_TIMEOUT_SECONDS = 10


def _retry_after_header(headers: Any) -> str | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            return str(value[0] if isinstance(value, list | tuple) else value).strip()
    return None


def retry_after(headers: Any) -> float | None:
    """Seconds from a `Retry-After` header (case-insensitive, lists or strings), if any."""
    try:
        return max(float(_retry_after_header(headers) or ""), 0.0)
    except ValueError:
        return None


class BoundedRateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """Retry a 429 once its short `Retry-After` has passed; leave long waits to the outbox."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        # the base class sleeps int(Retry-After): only whole seconds are waited out here
        raw = _retry_after_header(response.headers) or ""
        return raw.isdigit() and int(raw) <= MAX_INLINE_WAIT_SECONDS


def configure(client: AsyncWebClient, base_url: str, *, max_retries: int = 1) -> AsyncWebClient:
    """Point a client at `base_url` with the bounded 429 retry as its only retry."""
    client.base_url = base_url if base_url.endswith("/") else base_url + "/"
    client.timeout = REQUEST_TIMEOUT_SECONDS
    handlers: list[AsyncRetryHandler] = [BoundedRateLimitRetry(max_retry_count=max_retries)]
    client.retry_handlers = handlers
    return client


def make_client(token: str, base_url: str, *, max_retries: int = 1) -> AsyncWebClient:
    return configure(AsyncWebClient(token=token), base_url, max_retries=max_retries)
