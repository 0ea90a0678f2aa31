"""End to end: `GET /calendar.ics` on the real `s3desk serve`, off until a token opens it.

One server takes its token from the store (issued in chat with `cutoffs ics new`), another
from S3DESK_CALENDAR_TOKEN. Without a token the feed does not exist (404); a missing or wrong
token is refused (401); the right one gets an iCalendar file a calendar application reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import quote

import pytest
from icalendar import Calendar

from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from storage.db import Database
from tests.conftest import BRUSSELS, Chat, make_person
from tests.fakes.s3desk_server import RunningServer, http_get, start_server

OPERATOR_TOKEN = "operator-calendar-token-5f0c2a9e71d3"


def serve(database_url: str, tmp: pytest.TempPathFactory, **env: str) -> RunningServer:
    return start_server({"DATABASE_URL": database_url, **env},
                        tmp.mktemp("calendar") / "serve.log")


# One server at a time: on SQLite a second `serve` on the same store refuses to start.
@pytest.fixture
def server(_schema: Database, database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = serve(database_url, tmp_path_factory)
    yield running
    running.stop()


@pytest.fixture
def operator_server(_schema: Database, database_url: str,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = serve(database_url, tmp_path_factory, S3DESK_CALENDAR_TOKEN=OPERATOR_TOKEN,
                    S3DESK_PUBLIC_URL="https://desk.example.eu")
    yield running
    running.stop()


def test_the_feed_opens_only_with_the_token_issued_in_chat(
        server: RunningServer, db: Database, now: datetime) -> None:
    feed = server.base_url + "/calendar.ics"
    assert http_get(feed)[0] == 404
    assert http_get(feed + "?token=guess")[0] == 404  # no feed: nothing to guess at
    make_person(db, "sec", "secretariat")
    sec = Chat(Desk(db, load_registry(), ProgrammeConfig(timezone=BRUSSELS)), "sec", now)
    [address] = sec("cutoffs ics new").reply.text
    token = address.split("token=")[1]
    status, kind, body = http_get(server.base_url + address)
    assert (status, kind) == (200, "text/calendar; charset=utf-8")
    calendar = Calendar.from_ical(body)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert any(str(e["UID"]).startswith("cutoff-") for e in calendar.walk("VEVENT"))
    for wrong in ("", "?token=", f"?token={token[:-1]}", f"?token={token}x",
                  f"?token={quote('ü' + token)}", "?other=1"):
        assert http_get(feed + wrong)[0] == 401, wrong
    assert sec("cutoffs ics off").reply.tone == "success"
    assert http_get(server.base_url + address)[0] == 404


def test_the_operators_token_opens_the_feed(operator_server: RunningServer, db: Database,
                                            now: datetime) -> None:
    feed = operator_server.base_url + "/calendar.ics"
    assert http_get(f"{feed}?token={OPERATOR_TOKEN}")[0] == 200
    assert http_get(f"{feed}?token={OPERATOR_TOKEN[:-1]}")[0] == 401
    assert http_get(feed)[0] == 401
