"""Logs: one JSON object a line with S3DESK_LOG_FORMAT=json, readable lines otherwise; a
command leaves its request id, platform, verb, latency and outcome, never its words.

The end-to-end tests read the log of a real `s3desk serve` driven with signed Slack
requests; a proxy's `X-Request-Id` is the id its command logs under.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.logs import JsonFormatter, ReadableFormatter
from storage.db import Database
from tests.conftest import make_person
from tests.fakes.s3desk_server import S3DESK, RunningServer, start_server, wait_until
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_caller import FORM, SlackCaller

SECRET = "logs-signing-secret-51c2"
SEC = "U0SEC0LOG"
PRIVATE = "Giulia Bianchi"


def record(message: str, *args: object, exc: bool = False, **extra: Any) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"duplicate key: contact_email={PRIVATE}@example.eu")
        except ValueError:
            exc_info = sys.exc_info()
    made = logging.LogRecord("s3desk.test", logging.WARNING, __file__, 1, message, args,
                             exc_info)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_a_json_line_holds_the_known_fields_only() -> None:
    line = JsonFormatter().format(record(
        "command %s failed", "list", platform="slack", verb="list", outcome="error",
        latency_ms=12.5, request_id="abc123", text=f"list q:{PRIVATE}", exc=True))
    entry = json.loads(line)
    assert "\n" not in line
    assert {k: entry[k] for k in ("level", "logger", "message", "request_id", "platform",
                                  "verb", "outcome", "latency_ms", "error")} == {
        "level": "warning", "logger": "s3desk.test", "message": "command list failed",
        "request_id": "abc123", "platform": "slack", "verb": "list", "outcome": "error",
        "latency_ms": 12.5, "error": "ValueError"}
    assert entry["time"].endswith("+00:00")
    assert "test_logs.py" in entry["stack"]
    # neither an extra field nobody listed nor the exception's message reaches the line
    assert "text" not in entry and PRIVATE not in line


def test_a_readable_traceback_keeps_the_frames_without_the_message() -> None:
    line = ReadableFormatter().format(record("sending row %s raised", 7, exc=True))
    assert "WARNING s3desk.test: sending row 7 raised" in line
    assert "Traceback" in line and "ValueError" in line and PRIVATE not in line


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


def serve_with(log_format: str | None, database_url: str, fake: FakeSlack,
               log_path: Path) -> RunningServer:
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-logs",
           "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.base_url}
    if log_format:
        env["S3DESK_LOG_FORMAT"] = log_format
    return start_server(env, log_path)


def command_lines(server: RunningServer, parse: bool) -> list[Any]:
    lines = [line for line in server.log().splitlines() if "s3desk.command" in line]
    return [json.loads(line) for line in lines] if parse else lines


def test_serve_writes_one_json_object_a_line(
    db: Database, database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    server = serve_with("json", database_url, fake, tmp_path / "serve.log")
    try:
        make_person(db, SEC, "secretariat", platform="slack")
        slack = SlackCaller(server.base_url + "/slack/events", SECRET, fake.response_url("r"))
        answer = slack.send(slack.slash_body(f'list q:"{PRIVATE}"', user=SEC), FORM,
                            headers={"X-Request-Id": "proxy-7f3a9c"})
        assert answer.status == 200
        assert slack.slash(f"{PRIVATE} phoned about her case", user=SEC).status == 200
        request = urllib.request.Request(server.base_url + "/healthz")
        with urllib.request.urlopen(request, timeout=5) as health:
            assert len(health.headers["X-Request-Id"]) == 16
        assert wait_until(lambda: len(command_lines(server, parse=True)) == 2)
    finally:
        server.stop()
    log = server.log()
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    assert any(e["message"].startswith("serving on") for e in entries)
    listed, unknown = command_lines(server, parse=True)
    assert {k: listed[k] for k in ("request_id", "platform", "verb", "outcome")} == {
        "request_id": "proxy-7f3a9c", "platform": "slack", "verb": "list", "outcome": "ok"}
    assert isinstance(listed["latency_ms"], float) and listed["latency_ms"] >= 0
    assert (unknown["verb"], unknown["outcome"]) == ("unknown", "error")
    assert len(unknown["request_id"]) == 16 and unknown["request_id"] != "proxy-7f3a9c"
    assert PRIVATE not in log and "phoned" not in log


def test_serve_writes_readable_lines_by_default(
    db: Database, database_url: str, fake: FakeSlack, tmp_path: Path
) -> None:
    server = serve_with(None, database_url, fake, tmp_path / "serve.log")
    try:
        make_person(db, SEC, "secretariat", platform="slack")
        slack = SlackCaller(server.base_url + "/slack/events", SECRET, fake.response_url("r"))
        assert slack.slash(f'list q:"{PRIVATE}"', user=SEC).status == 200
        assert wait_until(lambda: command_lines(server, parse=False))
    finally:
        server.stop()
    (line,) = command_lines(server, parse=False)
    assert " INFO s3desk.command: slack list ok in " in line and " ms [request " in line
    assert not server.log().lstrip().startswith("{")
    assert PRIVATE not in server.log()


def test_an_unknown_log_format_is_refused_plainly(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3DESK_", "SLACK_"))}
    env.update(DATABASE_URL=database_url, S3DESK_LOG_FORMAT="xml")
    done = subprocess.run([str(S3DESK), "serve", "--port", "9"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "S3DESK_LOG_FORMAT" in done.stderr and "Traceback" not in done.stderr
