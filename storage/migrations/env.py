"""Alembic environment: the URL comes from the caller's config, the schema from the models."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, pool

from storage.db import make_engine
from storage.models import Base

config = context.config
target_metadata = Base.metadata
# made by hand in migration 0004 (a pg_trgm index, a SQLite FTS5 table and its shadow
# tables), not by the models: autogenerate leaves them alone
SEARCH_OBJECTS = ("applications_search", "ix_applications_search_trgm")


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    return not (name and type_ in ("table", "index") and name.startswith(SEARCH_OBJECTS))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
