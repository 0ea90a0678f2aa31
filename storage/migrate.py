"""Schema migrations (Alembic) and the reference data every fresh store needs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from storage.db import Database
from storage.models import RubricCriterion
from storage.regions import load_regions
from storage.rubric import latest_version, record_version

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# the PostgreSQL advisory lock key `upgrade` holds (any fixed number no other lock uses)
MIGRATION_LOCK = 0x53334D49

# The default rubric of DOMAIN.md: four criteria, each 0 to 5 with a threshold of 3.
DEFAULT_RUBRIC = (
    ("relevance", "Relevance", "Fit with S3 needs and the fulfilment criteria"),
    ("need", "Need", "The region's need and priority situation"),
    ("feasibility", "Feasibility", "The region's commitment and capacity to co-design"),
    ("impact", "Impact", "Expected effect and transferability"),
)


def alembic_config(url: str) -> Config:
    # alembic is imported only when migrating: a serving process need not keep it in memory
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database) -> None:
    """Bring the schema to head, then load reference data if it is missing."""
    from alembic import command

    cfg = alembic_config(db.url)
    with _one_at_a_time(db):
        with db.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        seed_reference_data(db)


@contextmanager
def _one_at_a_time(db: Database) -> Iterator[None]:
    """On PostgreSQL, replicas starting together migrate and seed one after the other: the
    second waits here, then finds the schema at head and the reference data loaded."""
    if not db.is_postgres:
        yield
        return
    with db.engine.connect() as conn, conn.begin():
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        yield


def seed_reference_data(db: Database) -> None:
    with db.transaction() as session:
        load_regions(session)
        if session.scalar(select(RubricCriterion.key).limit(1)) is None:
            session.add_all(
                RubricCriterion(key=key, label=label, description=text, position=i)
                for i, (key, label, text) in enumerate(DEFAULT_RUBRIC)
            )
            session.flush()
        if latest_version(session) is None:
            record_version(session, datetime.now(UTC))
