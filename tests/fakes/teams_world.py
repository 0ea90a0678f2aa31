"""Fixtures for the Teams tests: the fake connector, the endpoint in-process, Teams people.

Test modules import the fixtures they use from here (`from tests.fakes.teams_world import
connector_fixture`); each registers under its short name (`connector`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import Settings
from handlers.core.desk import Desk
from storage.db import Database
from storage.models import Identity
from tests.conftest import make_person
from tests.fakes.connector import FakeConnector, card_of, visible_text
from tests.fakes.teams_activities import Activities, TeamsUser
from tests.fakes.teams_server import InProcessTeams

SOFIA = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000a1", "Sofia Secretariat")
EVA = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000e1", "Eva Evaluator")
ED = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000e2", "Ed Evaluator")
OLGA = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000b1", "Olga Observer")
STRANGER = TeamsUser("6a1f0c2e-1111-4a6e-9c8d-0000000000ff", "Stan Stranger")


@pytest.fixture(name="connector")
def connector_fixture() -> Iterator[FakeConnector]:
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture(name="fake", scope="module")
def module_connector_fixture() -> Iterator[FakeConnector]:
    """One fake connector for a module whose tests share one running `s3desk serve`."""
    fake = FakeConnector().start()
    yield fake
    fake.stop()


@pytest.fixture(name="teams")
def teams_fixture(db: Database, desk: Desk, now: datetime) -> Iterator[InProcessTeams]:
    server = InProcessTeams(db, desk, Settings.from_env({}), lambda: now)
    yield server
    server.close()


@pytest.fixture(name="activities")
def activities_fixture(connector: FakeConnector) -> Activities:
    return Activities(connector.url)


@pytest.fixture(name="teams_people")
def teams_people_fixture(db: Database) -> dict[str, int]:
    """Sofia (secretariat), Eva and Ed (evaluators), Olga (observer), known by AAD id."""
    return {
        "sofia": make_person(db, SOFIA.aad, "secretariat", platform="teams"),
        "eva": make_person(db, EVA.aad, "evaluator", platform="teams"),
        "ed": make_person(db, ED.aad, "evaluator", platform="teams"),
        "olga": make_person(db, OLGA.aad, "observer", platform="teams"),
    }


def identity(db: Database, user: TeamsUser) -> Identity | None:
    with db.read() as session:
        return session.scalar(select(Identity).where(Identity.platform == "teams",
                                                     Identity.platform_user_id == user.aad))


def texts(fake: FakeConnector, conversation: str) -> list[str]:
    """What was posted into one conversation (a thread's id included), in order."""
    return [visible_text(call.body) for call in fake.sent_to(conversation)]


def last_card(fake: FakeConnector, conversation: str) -> dict[str, Any]:
    calls = fake.sent_to(conversation)
    assert calls, f"nothing was posted to {conversation}"
    card = card_of(calls[-1].body)
    assert card is not None
    return card
