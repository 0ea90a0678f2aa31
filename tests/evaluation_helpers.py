"""Building the evaluation world straight in the store: cut-offs, applications, evaluators.

Everything a secretariat does afterwards goes through chat commands in the tests.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from storage.db import Database
from storage.models import (
    Application,
    AuditEntry,
    Cutoff,
    EvaluatorAssignment,
    Person,
    RefCounter,
    Region,
    Score,
)
from tests.conftest import Chat, make_person

BRUSSELS = ZoneInfo("Europe/Brussels")
CUTOFF = dt.date(2026, 11, 25)  # closed by the test clock (26 November 2026)
GOOD = "relevance=4 need=4 feasibility=4 impact=4"


def add_cutoff(db: Database, day: dt.date = CUTOFF, capacity: int | None = None) -> int:
    with db.transaction() as session:
        cutoff = Cutoff(date=day, capacity=capacity,
                        closes_at=datetime.combine(day + timedelta(days=1), time(0), BRUSSELS))
        session.add(cutoff)
        session.flush()
        return cutoff.id


def add_application(db: Database, day: dt.date = CUTOFF, *, region: str = "EL51",
                    status: str = "received", organisation: str = "Regional Agency",
                    challenges: list[str] | None = None, category: str | None = None,
                    submitted: datetime | None = None, **extra: Any) -> str:
    """A new application in the cut-off of `day`; returns its reference."""
    with db.transaction() as session:
        cutoff = session.scalar(select(Cutoff).where(Cutoff.date == day))
        assert cutoff is not None, "add the cut-off first"
        counter = session.get(RefCounter, 2026) or RefCounter(year=2026, last_seq=0)
        session.add(counter)
        counter.last_seq += 1
        ref = f"TA-2026-{counter.last_seq:04d}"
        country = session.get(Region, region).country_code  # type: ignore[union-attr]
        submitted = submitted or datetime(2026, 10, 1, 9, 0, tzinfo=BRUSSELS) + timedelta(
            minutes=counter.last_seq)
        session.add(Application(
            ref=ref, region_code=region, country_code=country,
            applicant_organisation=f"{organisation} {counter.last_seq}",
            contact_name="Ana Contact", contact_email=f"contact{counter.last_seq}@example.eu",
            topic="edp", challenges=challenges or [], needs="Help with our S3 governance.",
            submitted_at=submitted, cutoff_id=cutoff.id, status=status,
            cohesion_declared=category, **extra))
        return ref


def add_evaluator(db: Database, name: str, country: str | None = None) -> int:
    person_id = make_person(db, name, "evaluator")
    if country:
        with db.transaction() as session:
            session.get(Person, person_id).country_code = country  # type: ignore[union-attr]
    return person_id


def set_country(db: Database, person_id: int, country: str | None) -> None:
    with db.transaction() as session:
        session.get(Person, person_id).country_code = country  # type: ignore[union-attr]


def status_of(db: Database, ref: str) -> str:
    with db.read() as session:
        return session.scalar(select(Application.status).where(Application.ref == ref)) or ""


def panel(db: Database, ref: str) -> set[int]:
    with db.read() as session:
        return set(session.scalars(
            select(EvaluatorAssignment.person_id)
            .join(Application, Application.id == EvaluatorAssignment.application_id)
            .where(Application.ref == ref, EvaluatorAssignment.active.is_(True))))


def score_rows(db: Database, ref: str) -> list[tuple[int, dict[str, Any], bool, int]]:
    with db.read() as session:
        rows = session.execute(
            select(Score.person_id, Score.values, Score.excluded, Score.version)
            .join(Application, Application.id == Score.application_id)
            .where(Application.ref == ref).order_by(Score.person_id))
        return [(p, dict(v), e, n) for p, v, e, n in rows]


def audits(db: Database, entity: str | None = None,
           action: str | None = None) -> list[AuditEntry]:
    with db.read() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        if entity:
            stmt = stmt.where(AuditEntry.entity == entity)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        return list(session.scalars(stmt))


def scored_status_rows(db: Database, ref: str) -> int:
    return sum(1 for a in audits(db, "application", "status")
               if a.entity_id == ref and (a.after or {}).get("status") == "scored")


def count(db: Database, model: type) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def open_case(chat: dict[str, Chat], db: Database, ref: str | None = None,
              category: str = "transition") -> str:
    """An application screened eligible and put in evaluation through the commands."""
    ref = ref or add_application(db)
    assert chat["sec"](f"eligible {ref} category:{category}").reply.tone == "success"
    if status_of(db, ref) == "eligible":
        reply = chat["sec"](f"cutoff close {CUTOFF.isoformat()}").reply
        assert reply.tone == "success", reply
    assert status_of(db, ref) == "in_evaluation"
    return ref


def talk(chat: dict[str, Chat], name: str) -> Chat:
    """A chat for a person made in the test (the `chat` fixture knows the standard four)."""
    if name not in chat:
        sec = chat["sec"]
        chat[name] = Chat(sec.desk, name, sec.now)
    return chat[name]


def scored_case(chat: dict[str, Chat], db: Database, first: str = GOOD,
                second: str | None = None) -> str:
    """A case in a new cut-off, assigned to eva and ed, who score `first` and `second`."""
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {first}")
    chat["ed"](f"score {ref} {first if second is None else second}")
    assert status_of(db, ref) == "scored"
    return ref
