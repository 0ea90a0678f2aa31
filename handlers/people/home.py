"""What is waiting for one person: the card a chat platform shows on its home tab.

Evaluators see the cases they still have to score; the secretariat sees cases waiting for
a decision and applicants not yet informed; everyone known sees the next cut-off. Every
query is an indexed look-up or a count on an indexed column with a LIMIT where it lists,
so opening the tab stays cheap at any size.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from handlers.core.actors import resolve_actor
from handlers.core.config import ProgrammeConfig
from handlers.core.types import Actor, Button, Card, Fact
from storage.db import Database
from storage.models import (
    ApplicantNotification,
    Application,
    ConflictDeclaration,
    Cutoff,
    EvaluatorAssignment,
    Role,
    Score,
)

SHOWN_CASES = 5


def to_score(session: Session, person_id: int) -> tuple[int, list[str]]:
    """How many assigned cases in evaluation this evaluator has not scored, and the first."""
    conflict = exists().where(ConflictDeclaration.application_id == Application.id,
                              ConflictDeclaration.person_id == person_id)
    scored = exists().where(Score.application_id == Application.id,
                            Score.person_id == person_id)
    base = (
        select(Application.ref)
        .join(EvaluatorAssignment, EvaluatorAssignment.application_id == Application.id)
        .where(EvaluatorAssignment.person_id == person_id, EvaluatorAssignment.active,
               Application.status == "in_evaluation", ~conflict, ~scored)
    )
    count = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    refs = list(session.scalars(base.order_by(Application.ref).limit(SHOWN_CASES)))
    return count, refs


def secretariat_facts(session: Session) -> tuple[Fact, ...]:
    waiting = session.scalar(select(func.count()).where(Application.status == "scored")) or 0
    uninformed = session.scalar(
        select(func.count()).select_from(ApplicantNotification)
        .where(ApplicantNotification.sent_at.is_(None))
    ) or 0
    return (Fact("Waiting for a decision", str(waiting)),
            Fact("Applicants not yet informed", str(uninformed)))


def next_cutoff_fact(session: Session, now: datetime, config: ProgrammeConfig) -> Fact:
    cutoff = session.scalar(
        select(Cutoff).where(Cutoff.closes_at > now).order_by(Cutoff.closes_at).limit(1)
    )
    if cutoff is None:
        return Fact("Next cut-off", "none planned")
    days = (cutoff.closes_at.astimezone(config.timezone).date()
            - now.astimezone(config.timezone).date()).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return Fact("Next cut-off", f"{cutoff.date.isoformat()} ({when})")


def home_card(session: Session, actor: Actor, now: datetime, config: ProgrammeConfig) -> Card:
    if not actor.known or actor.person_id is None:
        return Card(title="S3 Desk",
                    text=("You are not registered with S3 Desk yet: ask the secretariat "
                          "for a role. Then try `help`.",))
    facts: list[Fact] = []
    buttons: list[Button] = []
    text: list[str] = []
    if actor.has(Role.EVALUATOR):
        count, refs = to_score(session, actor.person_id)
        facts.append(Fact("Cases to score", str(count)))
        buttons += [Button(f"Score {ref}", f"score {ref}", "primary") for ref in refs]
        if count > len(refs):
            text.append(f"{count - len(refs)} more case(s) to score after these.")
    if actor.has(Role.SECRETARIAT):
        facts.extend(secretariat_facts(session))
        buttons.append(Button("Waiting for a decision", "list status:scored"))
    facts.append(next_cutoff_fact(session, now, config))
    buttons.append(Button("Cut-offs", "cutoffs"))
    name = actor.display_name or actor.user_id
    return Card(title=f"S3 Desk for {name}", text=tuple(text), facts=tuple(facts),
                buttons=tuple(buttons),
                context=(f"Your roles: {', '.join(sorted(actor.roles))}.",
                         "`help` lists every command you may use."))


def home_for(db: Database, platform: str, user_id: str, now: datetime,
             config: ProgrammeConfig) -> Card:
    with db.read() as session:
        actor = resolve_actor(session, platform, user_id)
        return home_card(session, actor, now, config)
