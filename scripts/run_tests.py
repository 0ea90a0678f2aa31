"""Run the suite on SQLite, then again on a fresh PostgreSQL database that is dropped after.

PostgreSQL is taken from S3DESK_TEST_POSTGRES_URL (default: postgres on 127.0.0.1:5432, trust
auth). Set S3DESK_SKIP_POSTGRES=1 to run on SQLite only (for a machine without the server).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import psycopg
from psycopg import sql

ADMIN_URL = os.environ.get(
    "S3DESK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def pytest(env_extra: dict[str, str], extra: list[str]) -> int:
    env = {**os.environ, **env_extra}
    return subprocess.call([sys.executable, "-m", "pytest", *extra], env=env)


def migrations_check(url: str) -> int:
    code = (
        "from alembic import command; from storage.db import Database;"
        "from storage.migrate import upgrade, alembic_config; import sys;"
        "upgrade(Database(sys.argv[1])); command.check(alembic_config(sys.argv[1]))"
    )
    return subprocess.call([sys.executable, "-c", code, url])


def main() -> int:
    extra = sys.argv[1:]
    print("== suite on SQLite", flush=True)
    status = pytest({"S3DESK_TEST_DATABASE_URL": ""}, extra)
    if os.environ.get("S3DESK_SKIP_POSTGRES") == "1":
        print("== PostgreSQL run skipped (S3DESK_SKIP_POSTGRES=1)")
        return status
    name = f"s3desk_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    try:
        print(f"== migrations check on PostgreSQL ({name})", flush=True)
        status |= migrations_check(url)
        print("== suite on PostgreSQL", flush=True)
        status |= pytest({"S3DESK_TEST_DATABASE_URL": url}, extra)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            conn.execute(drop.format(sql.Identifier(name)))
    return status


if __name__ == "__main__":
    sys.exit(main())
