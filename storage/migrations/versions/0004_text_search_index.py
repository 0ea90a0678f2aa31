"""text search index for `list q:`

A substring search (`search_text LIKE '%words%'`) reads every application unless an index
of trigrams answers it: on PostgreSQL a GIN index with pg_trgm's operator class, on SQLite
an FTS5 table with the trigram tokenizer, kept in step with `applications` by triggers.
Neither is a model (env.py leaves them out of autogenerate).

A SQLite migration that rebuilds `applications` (batch mode: copy, drop, rename) drops the
triggers with the old table: such a migration must call `create_sqlite_search` again
(tests/storage/test_text_search.py fails otherwise).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence
import logging

from alembic import op
import sqlalchemy as sa

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

PG_INDEX = "ix_applications_search_trgm"
SQLITE_TABLE = "applications_search"
SQLITE_TRIGGERS = {
    "applications_search_insert": f"""
        CREATE TRIGGER applications_search_insert AFTER INSERT ON applications BEGIN
            INSERT INTO {SQLITE_TABLE} (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "applications_search_delete": f"""
        CREATE TRIGGER applications_search_delete AFTER DELETE ON applications BEGIN
            INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
        END""",
    "applications_search_update": f"""
        CREATE TRIGGER applications_search_update AFTER UPDATE OF search_text ON applications
        BEGIN
            INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, search_text)
            VALUES ('delete', old.id, old.search_text);
            INSERT INTO {SQLITE_TABLE} (rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        create_postgres_search()
    elif dialect == "sqlite":
        create_sqlite_search()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
    elif dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")


def create_postgres_search() -> None:
    """pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may add it.
    Where it cannot be added, searches keep reading the table, as before: slower, not wrong."""
    bind = op.get_bind()
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm is not available (%s): `list q:` searches without an index",
                    type(exc.orig).__name__)
        return
    # fastupdate off: new entries go straight into the index instead of a pending list that
    # every search reads whole until a vacuum merges it (applications arrive a few at a time,
    # so the slower insert costs nothing anyone notices)
    op.execute(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON applications "
               "USING gin (search_text gin_trgm_ops) WITH (fastupdate = off)")


def create_sqlite_search() -> None:
    """The FTS5 table holds only the index (its content is `applications`), filled once
    here and kept current by the triggers."""
    op.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_TABLE} USING fts5("
               "search_text, content='applications', content_rowid='id', tokenize='trigram')")
    for name, create in SQLITE_TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(create)
    op.execute(f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}) VALUES ('rebuild')")
