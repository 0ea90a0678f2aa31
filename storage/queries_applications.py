"""Queries behind the case commands: references, a case's notes and history (pages of
applications are in storage.application_pages).

Every query here walks an index and stops at a LIMIT, so a command costs the same number of
statements and about the same time at 50 applications or 100,000.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.db import core_rows_as
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


# a case card shows both: built once, run with the case's values
_HISTORY = (
    select(AuditEntry.at, AuditEntry.action, AuditEntry.before, AuditEntry.after,
           Person.name.label("actor"))
    .outerjoin(Person, Person.id == AuditEntry.actor_id)
    .where(AuditEntry.entity == "application",
           AuditEntry.entity_id.in_((bindparam("ref"), bindparam("id_text"))))
    .order_by(AuditEntry.id.desc()).limit(bindparam("limit"))
)
_NOTES = (
    select(Note.created_at, Note.text, Person.name.label("author"))
    .outerjoin(Person, Person.id == Note.author_id)
    .where(Note.application_id == bindparam("application_id"))
    .order_by(Note.id.desc()).limit(bindparam("limit"))
)


class HistoryLine(NamedTuple):
    """One audit line about a case, in `_HISTORY`'s column order."""

    at: datetime
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor: str | None


class NoteLine(NamedTuple):
    """One note on a case, in `_NOTES`' column order."""

    created_at: datetime
    text: str
    author: str | None


def case_history(session: Session, app: Application, limit: int = 10) -> list[HistoryLine]:
    """The last audit lines about a case (newest first), with the actor's name."""
    return core_rows_as(session, _HISTORY,
                        {"ref": app.ref, "id_text": str(app.id), "limit": limit}, HistoryLine)


def case_notes(session: Session, app: Application, limit: int = 10) -> list[NoteLine]:
    return core_rows_as(session, _NOTES, {"application_id": app.id, "limit": limit}, NoteLine)
