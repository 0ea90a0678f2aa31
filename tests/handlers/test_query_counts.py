"""`list`, `show` and `score` issue a constant number of SQL statements, whatever the size.

Each command runs through `Desk.handle` on a store of 10 and then of 300 applications (the
benchmark's generator, same seed); every statement the engine sends is counted. A command
that loads one row per application (an N+1 loop, a lazy relationship in a table) would send
more statements on the larger store and fail here long before anyone notices it in latency.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from bench.datagen import Dataset, generate
from handlers.core.desk import Desk, Inbound
from storage.db import Database
from storage.models import Application, Decision
from tests.conftest import _empty_tables

# the most statements one command may send, transaction control left out. Exactly the
# counts measured, so any added statement fails here: list 2 (who asks; the page counted in
# the same read), list q: 3 (a search counts its matches first); show 5 in evaluation (the
# case with its cut-off and rubric version, the panel, decision, letter and consensus in one
# read, notes and history in one) and 6 once decided (its expert assignment besides); score
# 7 (the case locked with the evaluator's standing and rubric version, the score and its
# audit row, the panel with its sequence, the progress edit written from the places and
# their thread roots, the request id). A new case section raises them on purpose.
LIMITS = {"list": 2, "list q:": 3, "show": 5, "show decided": 6, "score": 7}


def _commands(db: Database, data: Dataset) -> dict[str, tuple[str, str]]:
    ref = data.score_refs[0]
    with db.read() as session:
        decided = session.scalar(select(Application.ref).join(Decision)
                                 .where(Application.status == "completed")
                                 .order_by(Application.id).limit(1))
        # a word the first application's needs hold, so the search finds a page to show
        word = session.scalar(select(Application.needs).order_by(Application.id)).split()[0]
    return {
        "list": (data.secretariat_user, "list"),
        "list q:": (data.secretariat_user, f"list q:{word}"),
        "show": (data.secretariat_user, f"show {ref}"),
        "show decided": (data.secretariat_user, f"show {decided}"),
        "score": (data.evaluator_user,
                  f"score {ref} relevance=4 need=3 feasibility=5 impact=2 bench"),
    }


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # transaction control is not a statement of the command (and SQLite's BEGIN is
        # sent where PostgreSQL's is implicit, or not sent at all for a read)
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _statements(db: Database, desk: Desk, now: datetime, size: int,
                label: str) -> list[str]:
    _empty_tables(db)
    data = generate(db, size, now, years=2)
    user, text = _commands(db, data)[label]
    with counting(db) as statements:
        outcome = desk.handle(Inbound(platform="slack", user_id=user, text=text, now=now,
                                      source_id=f"qc-{size}-{label}"))
    assert outcome.reply.tone != "error", outcome.reply
    return statements


@pytest.mark.parametrize("label", list(LIMITS))
def test_statements_do_not_grow_with_the_store(db: Database, desk: Desk, now: datetime,
                                               label: str) -> None:
    small = _statements(db, desk, now, 10, label)
    large = _statements(db, desk, now, 300, label)
    assert len(large) <= len(small), _diff(small, large)
    assert len(large) <= LIMITS[label], "\n".join(large)


@pytest.mark.parametrize("label", ["show", "score"])
def test_a_case_card_leaves_the_search_text_in_the_store(db: Database, desk: Desk,
                                                          now: datetime, label: str) -> None:
    """The search text (organisation, region, needs, reference, folded) is as long as the
    needs and no card shows it: reading it for every card would cost its bytes each time."""
    statements = _statements(db, desk, now, 10, label)
    assert not [s for s in statements if "search_text" in s], "\n".join(map(_short, statements))


def test_counting_sees_every_statement(db: Database) -> None:
    """The counter itself: three statements sent, three counted."""
    from sqlalchemy import text

    with counting(db) as statements, db.engine.connect() as conn:
        for _ in range(3):
            conn.execute(text("SELECT 1"))
    assert len([s for s in statements if s.strip() == "SELECT 1"]) == 3


def _short(statement: str) -> str:
    return " ".join(statement.split())[:160]


def _diff(small: list[str], large: list[str]) -> str:
    return ("10 applications:\n  " + "\n  ".join(map(_short, small))
            + "\n300 applications:\n  " + "\n  ".join(map(_short, large)))
