"""Queries behind the case commands: references, a case's notes and history (pages of
applications are in storage.application_pages).

Every query here walks an index and stops at a LIMIT, so a command costs the same number of
statements and about the same time at 50 applications or 100,000.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import core_rows
from storage.models import Application, AuditEntry, Note, Person, RefCounter

REF_DIGITS = 4


class ReferencesExhausted(RuntimeError):
    pass


def next_reference(session: Session, year: int) -> str:
    """The next `TA-<year>-NNNN`, never given twice, also to two writers at the same moment.

    The counter row is created if absent (starting after any reference already stored for
    that year), then bumped with one UPDATE ... RETURNING: PostgreSQL locks the row until the
    transaction ends, SQLite writers are serialised by BEGIN IMMEDIATE.
    """
    prefix = f"TA-{year}-"
    if session.get(RefCounter, year) is None:
        highest = session.scalar(
            select(Application.ref).where(Application.ref.startswith(prefix))
            .order_by(func.length(Application.ref).desc(), Application.ref.desc()).limit(1)
        )
        start = int(highest.rsplit("-", 1)[1]) if highest else 0
        dialect = session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(RefCounter).values(year=year, last_seq=start).on_conflict_do_nothing()
        )
    seq = session.execute(
        update(RefCounter).where(RefCounter.year == year)
        .values(last_seq=RefCounter.last_seq + 1).returning(RefCounter.last_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    if seq >= 10**REF_DIGITS:
        raise ReferencesExhausted(f"all {10**REF_DIGITS - 1} references of {year} are used")
    return f"{prefix}{seq:0{REF_DIGITS}d}"


# A case card shows both lists: one round trip reads them, each newest first under its own
# limit, told apart by `kind`. A note has no before and after: NULLs of the audit columns'
# type, as PostgreSQL matches a union's columns by type.
_HISTORY = (
    select(literal_column("'history'").label("kind"), AuditEntry.id.label("seq"),
           AuditEntry.at.label("at"), AuditEntry.action.label("what"), AuditEntry.before,
           AuditEntry.after, Person.name.label("who"))
    .outerjoin(Person, Person.id == AuditEntry.actor_id)
    .where(AuditEntry.entity == "application",
           AuditEntry.entity_id.in_((bindparam("ref"), bindparam("id_text"))))
    .order_by(AuditEntry.id.desc()).limit(bindparam("history_limit"))
    .subquery()
)
_NOTES = (
    select(literal_column("'note'").label("kind"), Note.id.label("seq"),
           Note.created_at.label("at"), Note.text.label("what"),
           cast(null(), AuditEntry.before.type).label("before"),
           cast(null(), AuditEntry.after.type).label("after"),
           Person.name.label("who"))
    .outerjoin(Person, Person.id == Note.author_id)
    .where(Note.application_id == bindparam("application_id"))
    .order_by(Note.id.desc()).limit(bindparam("notes_limit"))
    .subquery()
)
_NOTES_AND_HISTORY = union_all(select(_HISTORY), select(_NOTES))


class HistoryLine(NamedTuple):
    """One audit line about a case."""

    at: datetime
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor: str | None


class NoteLine(NamedTuple):
    """One note on a case."""

    created_at: datetime
    text: str
    author: str | None


def case_notes_and_history(session: Session, app: Application, notes: int = 10,
                           history: int = 10) -> tuple[list[NoteLine], list[HistoryLine]]:
    """The last notes and audit lines about a case, each newest first, with the names of
    their authors and actors."""
    rows = core_rows(session, _NOTES_AND_HISTORY, {
        "ref": app.ref, "id_text": str(app.id), "application_id": app.id,
        "history_limit": history, "notes_limit": notes})
    newest_first = sorted(rows, key=lambda row: row.seq, reverse=True)
    return ([NoteLine(row.at, row.what, row.who) for row in newest_first
             if row.kind == "note"],
            [HistoryLine(row.at, row.what, row.before, row.after, row.who)
             for row in newest_first if row.kind == "history"])
