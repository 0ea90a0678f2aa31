"""Migration 0002 on a store that already scored on a rubric: that rubric becomes version 1
and every cut-off with scores keeps it; a fresh store gets version 1 from its seed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from psycopg import sql
from sqlalchemy import make_url, text

from storage.db import Database
from storage.migrate import alembic_config, seed_reference_data

CRITERIA = "INSERT INTO rubric_criteria (key, label, description, scale_min, scale_max, " \
    "threshold, weight, position, active) VALUES ('relevance', 'Relevance', '', 0, 5, 3, 2, " \
    "0, true), ('old', 'Retired', '', 0, 5, 3, 1, 1, false)"


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own on the suite's kind of store."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"s3desk_mig_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


def _migrate(db: Database, revision: str) -> None:
    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def test_a_scored_store_keeps_its_rubric_as_version_one(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        _migrate(db, "0001")
        with db.engine.begin() as conn:
            conn.execute(text(CRITERIA))
            for cid, day in ((1, "2026-09-30"), (2, "2026-12-31")):
                conn.execute(text("INSERT INTO cutoffs (id, date, closes_at) VALUES "
                                  f"({cid}, '{day}', '2026-10-01 00:00:00+00')"))
            conn.execute(text("INSERT INTO regions (code, name, name_folded, country_code, "
                              "outermost) VALUES ('EL51', 'A', 'a', 'EL', false)"))
            conn.execute(text(
                "INSERT INTO applications (id, ref, region_code, country_code, "
                "applicant_organisation, topic, challenges, needs, submitted_at, cutoff_id, "
                "status, search_text, created_at, updated_at, version) VALUES (1, "
                "'TA-2026-0001', 'EL51', 'EL', 'Org', 'edp', '[]', '', "
                "'2026-09-01 00:00:00+00', 1, 'scored', '', '2026-09-01 00:00:00+00', "
                "'2026-09-01 00:00:00+00', 1)"))
            conn.execute(text("INSERT INTO people (id, name, created_at) VALUES "
                              "(1, 'Eva', '2026-09-01 00:00:00+00')"))
            conn.execute(text(
                "INSERT INTO scores (application_id, person_id, \"values\", comment, excluded, "
                "submitted_at, version) VALUES (1, 1, '{\"relevance\": 4}', '', false, "
                "'2026-10-02 00:00:00+00', 1)"))
        _migrate(db, "head")
        seed_reference_data(db)
        with db.engine.connect() as conn:
            versions = conn.execute(text("SELECT number, criteria FROM rubric_versions")).all()
            frozen = dict(conn.execute(text("SELECT id, rubric_version FROM cutoffs")).all())
        assert [number for number, _ in versions] == [1]
        criteria = versions[0][1]
        if isinstance(criteria, str):  # SQLite hands JSON back as text through `text()`
            import json
            criteria = json.loads(criteria)
        assert [c["key"] for c in criteria] == ["relevance"] and criteria[0]["weight"] == 2
        assert frozen == {1: 1, 2: None}
    finally:
        db.dispose()


def test_a_fresh_store_starts_at_version_one(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        _migrate(db, "head")
        seed_reference_data(db)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM rubric_versions")).scalar() == 1
    finally:
        db.dispose()
