"""Fixtures for the end-to-end Slack tests: the fake Web API for a module, and the real
`s3desk serve` pointed at it, signing with SECRET. Modules import the fixtures by their
function names (`fake_slack_fixture`, `slack_server_fixture`); they register as `fake` and
`server`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from storage.db import Database
from tests.fakes.s3desk_server import RunningServer, start_server
from tests.fakes.slack_api import FakeSlack

SECRET = "e2e-signing-secret-3b7d"


@pytest.fixture(name="fake", scope="module")
def fake_slack_fixture() -> Iterator[FakeSlack]:
    api = FakeSlack().start()
    yield api
    api.stop()


@contextmanager
def slack_server(database_url: str, fake: FakeSlack, secret: str,
                 log_path: Path) -> Iterator[RunningServer]:
    """`s3desk serve` with Slack on, its Web API the fake, signing with `secret`."""
    env = {"DATABASE_URL": database_url, "SLACK_BOT_TOKEN": "xoxb-test-token",
           "SLACK_SIGNING_SECRET": secret, "SLACK_API_URL": fake.base_url}
    running = start_server(env, log_path)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(name="server", scope="module")
def slack_server_fixture(_schema: Database, database_url: str, fake: FakeSlack,
                         tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with slack_server(database_url, fake, SECRET,
                      tmp_path_factory.mktemp("serve") / "serve.log") as running:
        yield running
