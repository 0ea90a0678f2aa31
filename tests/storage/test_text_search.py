"""`list q:` reads rare words through a trigram index that follows every change.

The index is migration 0004's: pg_trgm on PostgreSQL, an FTS5 table kept by triggers on
SQLite. A migration that rebuilds `applications` on SQLite drops those triggers; the schema
test below fails then, before a search quietly misses new applications.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from handlers.core.config import ProgrammeConfig
from storage.db import Database
from tests.case_helpers import StatementCounter, add_applications
from tests.conftest import Chat
from tests.handlers.cases.test_cases import table_refs

SQLITE_TRIGGERS = {"applications_search_insert", "applications_search_delete",
                   "applications_search_update"}


def test_the_schema_has_the_search_index(db: Database) -> None:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            names = set(conn.execute(text(
                "SELECT name FROM sqlite_master WHERE name LIKE 'applications_search%'"
            )).scalars())
            assert SQLITE_TRIGGERS | {"applications_search"} <= names
        else:
            found = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_applications_search_trgm'"
            )).scalar()
            assert found is not None and "gin_trgm_ops" in found


def test_a_search_follows_new_and_changed_applications(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    sec = chat["sec"]
    [kelp] = add_applications(db, config, [now], needs="Blue economy around kelp farming")
    [other] = add_applications(db, config, [now], needs="Vineyards")
    assert table_refs(sec("list q:kelp").reply) == [kelp]
    assert sec(f"set {kelp} needs Offshore wind ports").reply.tone == "success"
    assert sec("list q:kelp").reply.text[0] == 'No applications for q:"kelp".'
    assert table_refs(sec("list q:offshore").reply) == [kelp]
    assert table_refs(sec("list q:vine").reply) == [other]
    # two letters are too few for trigrams: still found, by reading the index whole
    assert table_refs(sec("list q:ts").reply) == [kelp]


def test_rare_and_common_words_find_the_same_order(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    # more matches than a first page counts (five pages ahead), and three rare ones among them
    instants = [now - timedelta(days=100 * (i % 3), minutes=i) for i in range(110)]
    common = add_applications(db, config, instants, needs="Hydrogen valleys")
    rare = add_applications(db, config, [instants[5], now, instants[40]],
                            needs="Hydrogen valleys and seaweed")
    with db.read() as session:
        order = list(session.execute(text(
            "SELECT a.ref FROM applications a JOIN cutoffs c ON c.id = a.cutoff_id "
            "ORDER BY c.date, a.ref")).scalars())
    sec = chat["sec"]
    with StatementCounter(db) as counter:
        found = sec("list q:seaweed").reply
    assert table_refs(found) == [ref for ref in order if ref in rare]
    assert found.pager is not None and found.pager.total == 3
    many = sec("list q:hydrogen").reply
    assert table_refs(many) == [ref for ref in order if ref in {*common, *rare}][:20]
    assert many.pager is not None and many.pager.at_least and many.pager.total == 101
    second = sec("list q:hydrogen page:2").reply
    assert table_refs(second) == [ref for ref in order if ref in {*common, *rare}][20:40]
    # the search itself: a count and a page (and the transaction's own BEGIN on SQLite)
    assert counter.count <= 4
