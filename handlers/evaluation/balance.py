"""Who may evaluate a case, and who has the most room: the pool behind `assign` and `coi`.

Load is the number of active assignments an evaluator has not scored yet. A candidate is
an evaluator not already on the panel, with no conflict declared on the case, and not from
the applicant's country (NUTS writes Greece EL where ISO writes GR: both are compared as
NUTS codes).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from storage.models import (
    Application,
    ConflictDeclaration,
    EvaluatorAssignment,
    Person,
    PersonRole,
    Role,
    Score,
)
from storage.regions import nuts_country


@dataclass
class Evaluator:
    person_id: int
    name: str
    email: str | None
    country: str | None
    load: int

    @property
    def mention(self) -> str:
        """How a command names this person unambiguously."""
        return f'"{self.email or self.name}"'


def same_country(person_country: str | None, app_country: str) -> bool:
    if not person_country:
        return False
    return nuts_country(person_country) == nuts_country(app_country)


def evaluator_pool(session: Session) -> dict[int, Evaluator]:
    """Every person with the evaluator role, with their current load."""
    unscored = (
        select(EvaluatorAssignment.person_id, func.count(EvaluatorAssignment.id).label("n"))
        .outerjoin(Score, and_(Score.application_id == EvaluatorAssignment.application_id,
                               Score.person_id == EvaluatorAssignment.person_id,
                               Score.excluded.is_(False)))
        .where(EvaluatorAssignment.active.is_(True), Score.id.is_(None))
        .group_by(EvaluatorAssignment.person_id)
        .subquery()
    )
    rows = session.execute(
        select(Person.id, Person.name, Person.email, Person.country_code,
               func.coalesce(unscored.c.n, 0))
        .join(PersonRole, and_(PersonRole.person_id == Person.id,
                               PersonRole.role == Role.EVALUATOR))
        .outerjoin(unscored, unscored.c.person_id == Person.id)
        .order_by(Person.id)
    )
    return {pid: Evaluator(pid, name, email, country, int(load))
            for pid, name, email, country, load in rows}


def panel_history(session: Session, application_id: int) -> tuple[set[int], set[int]]:
    """(everyone ever assigned to the case, everyone who declared a conflict on it)."""
    assigned = set(session.scalars(select(EvaluatorAssignment.person_id)
                                   .where(EvaluatorAssignment.application_id == application_id)))
    conflicted = set(session.scalars(select(ConflictDeclaration.person_id)
                                     .where(ConflictDeclaration.application_id
                                            == application_id)))
    return assigned, conflicted


def candidates(session: Session, app: Application,
               pool: dict[int, Evaluator]) -> list[Evaluator]:
    """Evaluators who may join this case's panel, least loaded first."""
    assigned, conflicted = panel_history(session, app.id)
    fit = [e for e in pool.values()
           if e.person_id not in assigned and e.person_id not in conflicted
           and not same_country(e.country, app.country_code)]
    return sorted(fit, key=lambda e: (e.load, e.person_id))
