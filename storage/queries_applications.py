"""Queries behind the case commands: references, pages of applications, a case's history.

Every query here walks an index and stops at a LIMIT, so a command costs the same number of
statements and about the same time at 50 applications or 100,000 (a `q:` text search is the
exception: it reads applications until the page is full, as no index serves a substring).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import Application, AuditEntry, Cutoff, Note, Person, RefCounter, Region

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


def count_capped(session: Session, filters: Sequence[ColumnElement[bool]], cap: int) -> int:
    """How many applications match, counted up to `cap` (so `cap` means "cap or more").

    Stops after `cap` matching index entries instead of counting the whole table.
    """
    inner = select(literal(1)).select_from(Application).where(*filters).limit(cap).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def page_of_applications(
    session: Session, filters: Sequence[ColumnElement[bool]], cutoff_id: int | None,
    offset: int, limit: int,
) -> list[Any]:
    """Matching applications ordered by cut-off date then reference, one page of them.

    The plan walks cut-offs in date order and, inside each, a composite index in reference
    order, stopping when the page is full. PostgreSQL gets that from a LATERAL join (an
    incremental sort on the date then stops early); SQLite's planner finds the same nested
    loop for the plain join, as the date is unique.
    """
    columns = (Application.ref, Application.region_code, Application.country_code,
               Application.topic, Application.status)
    scope = [Application.cutoff_id == cutoff_id] if cutoff_id is not None else []
    if session.get_bind().dialect.name == "postgresql":
        per_cutoff = (
            select(*columns).where(Application.cutoff_id == Cutoff.id, *scope, *filters)
            .order_by(Application.ref).limit(offset + limit).lateral("matching")
        )
        stmt = (
            select(Cutoff.date.label("cutoff_date"), *per_cutoff.c,
                   Region.name.label("region_name"))
            .select_from(Cutoff).join(per_cutoff, true())
            .join(Region, Region.code == per_cutoff.c.region_code)
            .order_by(Cutoff.date, per_cutoff.c.ref)
        )
        if cutoff_id is not None:
            stmt = stmt.where(Cutoff.id == cutoff_id)
    else:
        stmt = (
            select(Cutoff.date.label("cutoff_date"), *columns, Region.name.label("region_name"))
            .select_from(Cutoff).join(Application, Application.cutoff_id == Cutoff.id)
            .join(Region, Region.code == Application.region_code)
            .where(*scope, *filters).order_by(Cutoff.date, Application.ref)
        )
    return list(session.execute(stmt.offset(offset).limit(limit)))


def case_history(session: Session, app: Application, limit: int = 10) -> list[Any]:
    """The last audit lines about a case (newest first), with the actor's name."""
    stmt = (
        select(AuditEntry.at, AuditEntry.action, AuditEntry.before, AuditEntry.after,
               Person.name.label("actor"))
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(AuditEntry.entity == "application",
               AuditEntry.entity_id.in_((app.ref, str(app.id))))
        .order_by(AuditEntry.id.desc()).limit(limit)
    )
    return list(session.execute(stmt))


def case_notes(session: Session, app: Application, limit: int = 10) -> list[Any]:
    stmt = (
        select(Note.created_at, Note.text, Person.name.label("author"))
        .outerjoin(Person, Person.id == Note.author_id)
        .where(Note.application_id == app.id)
        .order_by(Note.id.desc()).limit(limit)
    )
    return list(session.execute(stmt))
