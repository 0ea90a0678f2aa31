"""How `s3desk serve` logs: readable lines by default, one JSON object a line when
`S3DESK_LOG_FORMAT=json`, and a request id that follows a request into its command.

A log line carries what an operator needs to follow a request (its id, the platform, the
command's verb, how long it took, how it ended) and nothing a person typed: commands are
logged by verb, never by their text, and a traceback is kept without the exception's
message (a database error's message can hold the values of the row it refused).
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import web

REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "s3desk_request_id", default=None)
REQUEST_ID_HEADER = "X-Request-Id"
# a proxy's id (nginx `$request_id`, a load balancer's trace id) is kept when it looks like one
_GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# the only fields of a record's `extra` that reach a JSON line
FIELDS = ("request_id", "platform", "verb", "latency_ms", "outcome")
READABLE = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")

log = logging.getLogger("s3desk.command")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
T = TypeVar("T")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


def current_request_id() -> str | None:
    return REQUEST_ID.get()


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the known fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for name in FIELDS[1:]:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            entry["error"] = kind.__name__
            entry["stack"] = "".join(traceback.format_tb(tb)).rstrip()
        return json.dumps(entry, ensure_ascii=False, default=str)


class ReadableFormatter(logging.Formatter):
    """The classic line, with the request id appended when there is one."""

    def __init__(self) -> None:
        super().__init__(READABLE)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None) or current_request_id()
        return f"{line} [request {request_id}]" if request_id else line

    def formatException(self, ei: Any) -> str:
        # the frames, and the exception's type without its message (see the module's note)
        kind, _, tb = ei
        return "Traceback (most recent call last):\n" + "".join(
            traceback.format_tb(tb)) + (kind.__name__ if kind else "")


def configure_logging(log_format: str = "text", *, debug: bool = False) -> None:
    """One handler on stderr for the whole process; S3 Desk's own loggers at INFO."""
    if log_format not in FORMATS:
        raise ValueError(f"S3DESK_LOG_FORMAT must be one of {', '.join(FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else ReadableFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    # a server says what it is doing (start, stop, commands) even when the CLI is quiet
    ours = logging.getLogger("s3desk")
    if ours.getEffectiveLevel() > logging.INFO:
        ours.setLevel(logging.INFO)


def log_command(platform: str, verb: str, outcome: str, seconds: float) -> None:
    """The one line a command leaves: who answered what kind of command, how, how fast."""
    latency_ms = round(seconds * 1000, 1)
    log.info("%s %s %s in %.1f ms", platform, verb, outcome, latency_ms,
             extra={"platform": platform, "verb": verb, "outcome": outcome,
                    "latency_ms": latency_ms})


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id (the proxy's, when it sent a usable one) and echo it back."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if _GIVEN_ID.fullmatch(given) else new_request_id()
    token = REQUEST_ID.set(request_id)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    finally:
        REQUEST_ID.reset(token)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def in_request_context(function: Callable[..., T]) -> Callable[..., T]:
    """`function` bound to a copy of the caller's context (request id included), for a
    thread pool: `run_in_executor` does not carry context variables the way tasks do."""
    context = contextvars.copy_context()
    if context.get(REQUEST_ID) is None:
        context.run(REQUEST_ID.set, new_request_id())
    return lambda *args: context.run(function, *args)
