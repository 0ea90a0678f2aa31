"""Which cut-off a new application joins: the first at or after its submission, unless that
one's decisions are already taken.

A cut-off whose decisions were made (any approval, rejection or reserve, or its
announcement) can no longer rank a newcomer fairly nor tell it with the others, so a late
registration or import goes on to the first cut-off after it that is still undecided, and
whoever registered it is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.cutoffs.calendar import cutoff_for
from storage.models import Application, Cutoff, Decision

MERIT_OUTCOMES = ("approve", "reject", "reserve")


@dataclass(frozen=True)
class Placement:
    cutoff: Cutoff
    # the decided cut-offs the submission belonged to, earliest first
    passed_over: tuple[Cutoff, ...] = ()

    def note(self, ref: str) -> str | None:
        """One line for whoever registered the case, when it went further than its date."""
        if not self.passed_over:
            return None
        days = ", ".join(c.date.isoformat() for c in self.passed_over)
        return (f"{ref} was submitted for the cut-off of {days}, whose decisions are already "
                f"taken: it joins the cut-off of {self.cutoff.date.isoformat()}.")


def is_decided(session: Session, cutoff: Cutoff) -> bool:
    if cutoff.announced_at is not None:
        return True
    return session.scalar(
        select(Decision.id).join(Application, Application.id == Decision.application_id)
        .where(Application.cutoff_id == cutoff.id, Decision.outcome.in_(MERIT_OUTCOMES))
        .limit(1)
    ) is not None


def place_submission(session: Session, submitted_at: datetime,
                     config: ProgrammeConfig) -> Placement:
    cutoff = cutoff_for(session, submitted_at, config)
    passed: list[Cutoff] = []
    while is_decided(session, cutoff):
        passed.append(cutoff)
        # the first cut-off closing after this one (the calendar creates it if needed)
        cutoff = cutoff_for(session, cutoff.closes_at, config)
    return Placement(cutoff, tuple(passed))
