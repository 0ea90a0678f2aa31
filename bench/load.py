"""An asyncio HTTP load generator for signed Slack slash commands.

Each request is a `/s3` slash command as Slack sends it (form body, `X-Slack-Signature`
`v0=` HMAC-SHA256 over `v0:{timestamp}:{body}`, a unique `trigger_id`). A level sends a fixed
number of requests with a fixed number in flight; latency is measured from sending the
request to reading the whole HTTP response. Requests are built and signed before the clock
starts, so the figures hold only the server's work and the client's HTTP cost.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import aiohttp

# Replies that mean the command itself failed (refused, unknown reference, crash).
ERROR_MARKERS = (b"That did not work", b"went wrong on our side", b"not registered")


@dataclass(frozen=True)
class Command:
    """One slash command to send: who types it and what, and a short label for the tables."""

    label: str
    user_id: str
    text: str


@dataclass(frozen=True)
class Prepared:
    label: str
    body: bytes
    headers: dict[str, str]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slash_body(command: Command, trigger_id: str, response_url: str) -> bytes:
    return urlencode({
        "token": "bench-verification-token",
        "team_id": "TBENCH",
        "team_domain": "bench",
        "channel_id": "CBENCHDESK",
        "channel_name": "desk",
        "user_id": command.user_id,
        "user_name": command.user_id.lower(),
        "command": "/s3",
        "text": command.text,
        "api_app_id": "ABENCH",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }).encode()


def prepare(commands: Sequence[Command], count: int, secret: str,
            response_url: str) -> list[Prepared]:
    """`count` signed requests cycling through `commands`, each with its own trigger_id."""
    timestamp = str(int(time.time()))
    prepared = []
    for command in itertools.islice(itertools.cycle(commands), count):
        body = slash_body(command, f"bench.{uuid.uuid4().hex}", response_url)
        prepared.append(Prepared(command.label, body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": sign(secret, timestamp, body),
        }))
    return prepared


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p95: float
    p99: float
    p999: float
    max: float

    @classmethod
    def of(cls, latencies_ms: Sequence[float]) -> Summary:
        ordered = sorted(latencies_ms)
        if not ordered:
            return cls(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"))
        return cls(len(ordered), percentile(ordered, 50), percentile(ordered, 95),
                   percentile(ordered, 99), percentile(ordered, 99.9), ordered[-1])


def percentile(ordered: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


@dataclass
class LevelResult:
    concurrency: int
    wall_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    http_errors: int = 0
    error_replies: int = 0
    first_error: str | None = None
    # CPU the server process used during the level, when the caller could read it
    server_cpu_seconds: float | None = None

    @property
    def summary(self) -> Summary:
        return Summary.of(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.latencies_ms:
            return None
        return 1000 * self.server_cpu_seconds / len(self.latencies_ms)

    @property
    def errors(self) -> int:
        return self.http_errors + self.error_replies


def is_error_reply(body: bytes) -> bool:
    return any(marker in body for marker in ERROR_MARKERS)


async def run_level(url: str, requests: Sequence[Prepared], concurrency: int,
                    is_error: Callable[[bytes], bool] = is_error_reply) -> LevelResult:
    """Send every request, `concurrency` at a time, on as many keep-alive connections."""
    result = LevelResult(concurrency)
    queue = iter(requests)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)

    async def worker(session: aiohttp.ClientSession) -> None:
        for prepared in queue:
            started = time.perf_counter()
            try:
                async with session.post(url, data=prepared.body,
                                        headers=prepared.headers) as response:
                    body = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                result.http_errors += 1
                result.first_error = result.first_error or repr(exc)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if status != 200:
                result.http_errors += 1
                result.first_error = result.first_error or f"HTTP {status}: {body[:200]!r}"
                continue
            if is_error(body):
                result.error_replies += 1
                result.first_error = result.first_error or f"{prepared.label}: {body[:300]!r}"
            result.latencies_ms.append(elapsed)
            result.by_label[prepared.label].append(elapsed)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        result.wall_seconds = time.perf_counter() - started
    return result


async def run_levels(url: str, commands: Sequence[Command], secret: str, response_url: str,
                     concurrencies: Sequence[int], count: int, warmup: int = 50,
                     server_cpu: Callable[[], float | None] | None = None) -> list[LevelResult]:
    """Warm up once, then one fixed-count level per concurrency, each freshly signed.

    `server_cpu` reads the server's CPU seconds so far; each level records what it used.
    """
    if warmup:
        await run_level(url, prepare(commands, warmup, secret, response_url), min(4, warmup))
    results = []
    for concurrency in concurrencies:
        requests = prepare(commands, count, secret, response_url)
        before = server_cpu() if server_cpu else None
        result = await run_level(url, requests, concurrency)
        after = server_cpu() if server_cpu else None
        if before is not None and after is not None:
            result.server_cpu_seconds = after - before
        results.append(result)
    return results
