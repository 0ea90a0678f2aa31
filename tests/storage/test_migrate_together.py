"""Replicas that start together on a fresh PostgreSQL database migrate one after the other."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.migrate import upgrade


@pytest.mark.timeout(120)
def test_two_upgrades_of_a_fresh_database_at_once_both_succeed(db: Database) -> None:
    if db.is_sqlite:
        pytest.skip("SQLite serves one replica (docs/operations.md): nothing starts beside it")
    name = f"s3desk_migrate_{uuid.uuid4().hex[:8]}"
    admin = make_url(db.url).set(drivername="postgresql", database="postgres")
    admin_dsn = admin.render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    fresh = [Database(make_url(db.url).set(database=name).render_as_string(
        hide_password=False)) for _ in range(2)]
    try:
        with ThreadPoolExecutor(2) as pool:
            for outcome in [pool.submit(upgrade, each) for each in fresh]:
                outcome.result(120)
        assert "outbox" in inspect(fresh[0].engine).get_table_names()
    finally:
        for each in fresh:
            each.dispose()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
