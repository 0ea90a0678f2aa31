"""End to end: `stats chart` typed in Teams shows the chart, by a short-lived signed address.

The real `s3desk serve` (development mode, fake connector) answers with an Adaptive Card
whose Image points at `<S3DESK_PUBLIC_URL>/charts/<token>.png`; the same server draws the
chart at that address while the token is valid, and answers 404 to anything else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.signing import sign
from storage.db import Database
from storage.models import Setting
from tests.conftest import make_person
from tests.fakes.connector import FakeConnector, card_of
from tests.fakes.s3desk_server import RunningServer, http_get, start_server
from tests.fakes.teams_activities import Activities
from tests.fakes.teams_server import http_post
from tests.fakes.teams_world import SOFIA, module_connector_fixture  # noqa: F401

PUBLIC = "https://desk.example.eu"
TEAMS_LIMIT = 28 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def server(_schema: Database, database_url: str,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server({"DATABASE_URL": database_url, "S3DESK_PUBLIC_URL": PUBLIC + "/"},
                           tmp_path_factory.mktemp("teams-pictures") / "serve.log")
    yield running
    running.stop()


def ask_for_chart(server: RunningServer, fake: FakeConnector, db: Database) -> dict[str, Any]:
    fake.calls.clear()
    make_person(db, SOFIA.aad, "secretariat", platform="teams")
    activity = Activities(fake.url).personal(SOFIA, "stats chart")
    assert http_post(server.base_url + "/api/messages", activity)[0] == 201
    [reply] = fake.sent()
    assert len(json.dumps(reply.body).encode()) < TEAMS_LIMIT
    card = card_of(reply.body)
    assert card is not None
    return card


def image_path(card: dict[str, Any]) -> str:
    [url] = [el["url"] for el in card["body"] if el["type"] == "Image"]
    assert url.startswith(PUBLIC + "/charts/") and url.endswith(".png")
    return urlsplit(url).path


def test_the_chart_is_shown_by_an_address_the_server_answers(
        server: RunningServer, fake: FakeConnector, db: Database) -> None:
    card = ask_for_chart(server, fake, db)
    status, kind, body = http_get(server.base_url + image_path(card))
    assert (status, kind) == (200, "image/png")
    assert body.startswith(PNG_MAGIC) and len(body) > 10_000


def test_an_altered_or_expired_address_shows_nothing(
        server: RunningServer, fake: FakeConnector, db: Database) -> None:
    path = image_path(ask_for_chart(server, fake, db))
    token = path.removeprefix("/charts/").removesuffix(".png")
    payload, _, signature = token.partition(".")
    altered = f"{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    with db.read() as session:
        key = session.get(Setting, "secret:charts")
        assert key is not None
    expired = sign({"chart": "stats"}, str(key.value).encode(),
                   datetime.now(UTC) - timedelta(seconds=1))
    unknown = sign({"chart": "secrets"}, str(key.value).encode(),
                   datetime.now(UTC) + timedelta(minutes=5))
    for bad in (altered, expired, unknown, "not-a-token", f"{payload}."):
        assert http_get(f"{server.base_url}/charts/{bad}.png")[0] == 404, bad
