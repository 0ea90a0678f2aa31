"""Queries about experts shared by the expert database, matching and delivery."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session

from handlers.core.errors import CommandError, NotFound
from storage.models import Application, Assignment, Expert

# An assignment takes an expert's days while its case is being co-designed or delivered.
ACTIVE_CASE_STATUSES = ("co_design", "in_delivery")


@dataclass(frozen=True)
class Commitment:
    assignments: int = 0
    days: int = 0


def commitments(session: Session, expert_ids: Iterable[int] | None = None) -> dict[int, Commitment]:
    """Active assignments and the days they take, per expert (one grouped query)."""
    stmt = (
        select(Assignment.expert_id, func.count(),
               func.coalesce(func.sum(Assignment.days_planned), 0))
        .join(Application, Application.id == Assignment.application_id)
        .where(Application.status.in_(ACTIVE_CASE_STATUSES), Assignment.expert_id.is_not(None))
        .group_by(Assignment.expert_id)
    )
    if expert_ids is not None:
        stmt = stmt.where(Assignment.expert_id.in_(list(expert_ids)))
    return {int(eid): Commitment(int(n), int(days))
            for eid, n, days in session.execute(stmt) if eid is not None}


def days_left(expert: Expert, commitment: Commitment | None) -> int:
    return expert.availability_days - (commitment.days if commitment else 0)


def list_contains(
    session: Session, column: InstrumentedAttribute[Any], value: str
) -> ColumnElement[bool]:
    """`value` is an element of the JSON list in `column`, on PostgreSQL and SQLite alike."""
    if session.get_bind().dialect.name == "postgresql":
        # the column is typed generic JSON; containment (@>) is a JSONB operator
        return type_coerce(column, JSONB).contains([value])
    elements = func.json_each(column).table_valued("value")
    return select(literal(1)).select_from(elements).where(elements.c.value == value).exists()


def find_expert(session: Session, text: str) -> Expert:
    """An expert by email or name (case-insensitive), else by a unique part of the name."""
    needle = text.strip().lower()
    if not needle:
        raise CommandError("Name the expert (their name or email).")
    exact = list(session.scalars(
        select(Expert).where(or_(func.lower(Expert.email) == needle,
                                 func.lower(Expert.name) == needle)).limit(2)
    ))
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise CommandError(f"More than one expert is called `{text}`: use their email.")
    pattern = "%" + needle.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
    partial = list(session.scalars(
        select(Expert).where(func.lower(Expert.name).like(pattern, escape="!"))
        .order_by(Expert.name).limit(4)
    ))
    if len(partial) == 1:
        return partial[0]
    if partial:
        names = ", ".join(e.name for e in partial[:3])
        raise CommandError(f"`{text}` could be {names}: be more precise or use the email.")
    raise NotFound(f"No expert `{text}` in the expert database.")
