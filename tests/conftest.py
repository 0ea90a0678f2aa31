"""Shared fixtures: a real store (SQLite by default, PostgreSQL when the run asks for it).

`S3DESK_TEST_DATABASE_URL` picks the store the whole suite runs on (.ci/run runs the suite
once on a SQLite file and once on a fresh PostgreSQL database). The schema is built once
with the real migrations; each test starts from empty tables with reference data loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from handlers.commands import load_registry
from handlers.core.actors import ensure_person, set_role
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Outcome
from storage.db import Database
from storage.migrate import seed_reference_data, upgrade
from storage.models import Base

BRUSSELS = ZoneInfo("Europe/Brussels")
# Tables that hold reference data and survive between tests.
KEPT = {"regions", "alembic_version"}


def _test_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("S3DESK_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('store') / 's3desk-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _test_url(tmp_path_factory)


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    upgrade(db)
    yield db
    db.dispose()


def _empty_tables(db: Database) -> None:
    names = [t.name for t in Base.metadata.sorted_tables if t.name not in KEPT]
    with db.engine.begin() as conn:
        # DELETE, not TRUNCATE: on tables this small it is thirty times faster on PostgreSQL.
        for name in reversed(names):
            conn.execute(text(f"DELETE FROM {name}"))
        # regions are kept, but the category a test confirmed must not leak into the next
        conn.execute(text("UPDATE regions SET cohesion_category = NULL "
                          "WHERE cohesion_category IS NOT NULL"))
    seed_reference_data(db)


@pytest.fixture
def db(_schema: Database) -> Database:
    _empty_tables(_schema)
    return _schema


@pytest.fixture
def config() -> ProgrammeConfig:
    return ProgrammeConfig(timezone=BRUSSELS)


@pytest.fixture
def desk(db: Database, config: ProgrammeConfig) -> Desk:
    return Desk(db, load_registry(), config)


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 26, 10, 0, tzinfo=BRUSSELS)


class Chat:
    """Talk to the desk as one person on one platform, as a test would type."""

    def __init__(self, desk: Desk, user_id: str, now: datetime, platform: str = "console"):
        self.desk = desk
        self.user_id = user_id
        self.now = now
        self.platform = platform
        self._counter = 0

    def __call__(self, text: str, **kwargs: object) -> Outcome:
        self._counter += 1
        return self.desk.handle(
            Inbound(platform=self.platform, user_id=self.user_id, text=text, now=self.now,
                    **kwargs)  # type: ignore[arg-type]
        )


def make_person(db: Database, name: str, *roles: str, platform: str = "console") -> int:
    with db.transaction() as session:
        person = ensure_person(session, platform, name, name=name)
        for role in roles:
            set_role(person, role)
        return person.id


@pytest.fixture
def people(db: Database) -> dict[str, int]:
    """A secretariat member, two evaluators, an observer; console identities by name."""
    return {
        "sec": make_person(db, "sec", "secretariat"),
        "eva": make_person(db, "eva", "evaluator"),
        "ed": make_person(db, "ed", "evaluator"),
        "obs": make_person(db, "obs", "observer"),
    }


@pytest.fixture
def chat(desk: Desk, now: datetime, people: dict[str, int]) -> dict[str, Chat]:
    return {name: Chat(desk, name, now) for name in [*people, "stranger"]}


