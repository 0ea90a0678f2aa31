"""The first read of `score`: the case, locked, with where the evaluator stands on it.

One statement instead of four (the case, the assignment, a declared conflict, their score):
every score pays for it, and the case's row lock serialises changes to its panel.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import Session

from storage.models import Application, ConflictDeclaration, EvaluatorAssignment, Score

_PERSON: BindParameter[int] = bindparam("person_id")
_CASE_AND_STANDING = (
    select(Application, EvaluatorAssignment.active, ConflictDeclaration.id, Score)
    .outerjoin(EvaluatorAssignment,
               (EvaluatorAssignment.application_id == Application.id)
               & (EvaluatorAssignment.person_id == _PERSON))
    .outerjoin(ConflictDeclaration,
               (ConflictDeclaration.application_id == Application.id)
               & (ConflictDeclaration.person_id == _PERSON))
    .outerjoin(Score, (Score.application_id == Application.id) & (Score.person_id == _PERSON))
    .where(Application.ref == bindparam("ref"))
    .with_for_update(of=Application)
)


@dataclass(frozen=True)
class Standing:
    """One evaluator on one case, as read under the case's lock."""

    # None: never assigned; False: taken off the panel
    assigned: bool | None
    conflict_declared: bool
    # their score, counted or excluded; None before they first score
    own_score: Score | None


def lock_case_with_standing(session: Session, ref: str,
                            person_id: int | None) -> tuple[Application, Standing] | None:
    """The case (locked until the transaction ends) and `person_id`'s standing on it."""
    row = session.execute(_CASE_AND_STANDING, {"ref": ref, "person_id": person_id}).first()
    if row is None:
        return None
    app, assigned, conflict_id, score = row
    return app, Standing(assigned, conflict_id is not None, score)
