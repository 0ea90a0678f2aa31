"""`coi REF [reason]`: an evaluator declares a conflict of interest on a case.

The declaration is kept; their assignment ends and any score they gave stops counting; the
secretariat is shown the best-balanced replacement, to assign if they agree (never
automatically). `evaluations` lists who evaluates what.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.context import Context
from handlers.core.errors import CommandError, NotAllowed
from handlers.core.lookup import find_person, get_application
from handlers.core.parse import Args
from handlers.core.registry import KNOWN, Commands
from handlers.core.types import Audience, Button, Card, Fact, Notice, Outcome, Table
from handlers.evaluation.balance import candidates, evaluator_pool
from handlers.evaluation.panel import DECIDED_STATUSES
from handlers.evaluation.score_flow import settle_panel
from storage.models import (
    Application,
    ConflictDeclaration,
    EvaluatorAssignment,
    Person,
    Role,
    Score,
)

commands = Commands()

EVALUATORS = frozenset({Role.EVALUATOR})
CLOSED = DECIDED_STATUSES | {"ineligible", "withdrawn"}


@commands.command("coi", usage="coi REF [reason]",
                  summary="declare a conflict of interest on a case", roles=EVALUATORS,
                  writes=True)
def declare_conflict(ctx: Context, args: Args) -> Outcome:
    args.expect()
    if not args.positional:
        raise CommandError("name the case, e.g. `coi TA-2026-0007 I advised this region`")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    person_id = ctx.actor.person_id
    reason = args.rest(1).strip()
    if app.status in CLOSED:
        raise CommandError(f"{app.ref} is already {app.status}: tell the secretariat about "
                           "the conflict", show_usage=False)
    if ctx.session.scalar(select(ConflictDeclaration.id).where(
            ConflictDeclaration.application_id == app.id,
            ConflictDeclaration.person_id == person_id)):
        raise CommandError(f"You already declared a conflict on {app.ref}.", show_usage=False)
    ctx.session.add(ConflictDeclaration(application_id=app.id, person_id=person_id,
                                        reason=reason, declared_at=ctx.now))
    ctx.audit("conflict", f"{app.ref}:{person_id}", "declare", None, {"reason": reason})
    assignment = ctx.session.scalar(select(EvaluatorAssignment).where(
        EvaluatorAssignment.application_id == app.id,
        EvaluatorAssignment.person_id == person_id))
    if assignment is None or not assignment.active:
        return Outcome(Card(title=f"Conflict on {app.ref} recorded",
                            text=("You will not be asked to evaluate this case.",),
                            tone="success"))
    assignment.active = False
    assignment.removed_reason = f"conflict of interest: {reason}" if reason else \
        "conflict of interest"
    ctx.audit("assignment", f"{app.ref}:{person_id}", "deactivate", {"active": True},
              {"active": False, "removed_reason": assignment.removed_reason})
    score = ctx.session.scalar(select(Score).where(Score.application_id == app.id,
                                                   Score.person_id == person_id))
    if score is not None and not score.excluded:
        score.excluded = True
        ctx.audit("score", f"{app.ref}:{person_id}", "exclude", {"excluded": False},
                  {"excluded": True, "why": "conflict of interest"})
    notices = settle_panel(ctx.session, app.ref, ctx.config, ctx.audit)
    notices.append(_replacement_notice(ctx, app, reason))
    return Outcome(Card(
        title=f"Conflict on {app.ref} recorded",
        text=("You are no longer on this case's panel"
              + (" and your score no longer counts." if score is not None else "."),),
        context=("The secretariat has been asked to assign a replacement.",),
        tone="success"), notices=tuple(notices))


def _replacement_notice(ctx: Context, app: Application, reason: str) -> Notice:
    best = candidates(ctx.session, app, evaluator_pool(ctx.session))
    who = ctx.actor.display_name or ctx.actor.user_id
    facts = [Fact("Declared by", who), Fact("Reason", reason or "not given")]
    buttons: tuple[Button, ...] = ()
    if best:
        pick = best[0]
        facts.append(Fact("Proposed replacement",
                          f"{pick.name} ({pick.load} open assignment(s))"))
        buttons = (Button(f"Assign {pick.name}", f"assign {app.ref} {pick.mention}",
                          "primary"),)
    else:
        facts.append(Fact("Proposed replacement", "nobody is free of conflicts and from "
                                                  "another country"))
    return Notice(Audience("secretariat"),
                  Card(title=f"{app.ref}: conflict of interest declared", facts=tuple(facts),
                       buttons=buttons, tone="warning"),
                  key=f"case:{app.ref}:coi:{ctx.actor.person_id}", kind="conflict")


@commands.command("evaluations", usage="evaluations [@person]",
                  summary="cases waiting for evaluation (yours, or a person's)", roles=KNOWN)
def list_assignments(ctx: Context, args: Args) -> Outcome:
    args.expect(max_positional=1)
    person_id = ctx.actor.person_id
    reader = ctx.actor.has(Role.SECRETARIAT, Role.OBSERVER)
    if args.positional:
        if not reader:
            raise NotAllowed("only the secretariat or observers may see others' assignments")
        person_id = find_person(ctx.session, args.positional[0], ctx.actor.platform).id
    elif reader and not ctx.actor.has(Role.EVALUATOR):
        return _overview(ctx)
    rows = ctx.session.execute(
        select(Application.ref, Application.applicant_organisation, Application.status,
               Score.id)
        .join(EvaluatorAssignment, EvaluatorAssignment.application_id == Application.id)
        .outerjoin(Score, (Score.application_id == Application.id)
                   & (Score.person_id == EvaluatorAssignment.person_id)
                   & Score.excluded.is_(False))
        .where(EvaluatorAssignment.person_id == person_id,
               EvaluatorAssignment.active.is_(True),
               Application.status.notin_(CLOSED))
        .order_by(Application.ref)
    ).all()
    name = ctx.session.get(Person, person_id).name if person_id else "you"  # type: ignore[union-attr]
    table = Table(("case", "organisation", "status", "scored"),
                  tuple((ref, org, status.replace("_", " "), "yes" if sid else "no")
                        for ref, org, status, sid in rows))
    waiting = sum(1 for *_, sid in rows if sid is None)
    return Outcome(Card(title=f"Open assignments of {name}", table=table,
                        context=(f"{waiting} waiting for a score.",)))


def _overview(ctx: Context) -> Outcome:
    """Every evaluator's open load, for the secretariat balancing the panels."""
    pool = sorted(evaluator_pool(ctx.session).values(), key=lambda e: (-e.load, e.name))
    table = Table(("evaluator", "country", "waiting for their score"),
                  tuple((e.name, e.country or "-", str(e.load)) for e in pool))
    return Outcome(Card(title="Evaluators and their open assignments", table=table,
                        context=("`evaluations @person` lists one evaluator's cases.",)))
