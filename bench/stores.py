"""Fresh stores for one measurement: a SQLite file, or a PostgreSQL database made and dropped."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from storage.db import Database

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    return os.environ.get("S3DESK_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)


def libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def fresh_store(kind: str, label: str, work_dir: Path,
                admin_url: str | None = None) -> Iterator[str]:
    """Yield the URL of an empty store; a PostgreSQL database is dropped afterwards."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=work_dir)) / "bench.db"
        yield f"sqlite:///{path}"
        return
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r}: use sqlite or postgres")
    admin = admin_url or postgres_admin_url()
    name = re.sub(r"[^a-z0-9_]", "_", f"s3d_bench_{label}_{os.getpid()}".lower())
    with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def open_store(url: str) -> Database:
    return Database(url)
