"""Assigning an expert and recording the four co-design parties: `expert REF NAME`, `parties`.

Assigning creates the assignment with its parties (DG REGIO desk officer, the region's contact,
the secretariat lead, the expert) and its five milestones, and moves the case from `approved`
through `expert_matching` to `co_design`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Button, Card, Fact, Notice, Outcome
from handlers.experts.matching import MATCHABLE_STATUSES, exclusion
from handlers.experts.queries import commitments, days_left, find_expert
from storage.models import MILESTONES, Application, Assignment, Expert, Milestone
from storage.status import IllegalTransition, check_transition

commands = Commands()

ASSIGN_USAGE = 'expert REF NAME [days:N] [dg_regio:"Desk officer"]'
PARTIES_USAGE = 'parties REF [dg_regio:"Name"] [region:"Name"] [lead:"Name"]'
PARTY_OPTIONS = {"dg_regio": "dg_regio_officer", "region": "region_contact",
                 "lead": "secretariat_lead"}


def advance(ctx: Context, app: Application, wanted: str, why: str) -> None:
    """Move the case one step along the allowed transitions, with an audit row."""
    try:
        check_transition(app.status, wanted)
    except IllegalTransition as exc:
        raise CommandError(f"{app.ref}: {exc}", show_usage=False) from exc
    before = app.status
    app.status = wanted
    ctx.audit("application", app.ref, "status", {"status": before}, {"status": wanted, "why": why})


def assignment_of(ctx: Context, app: Application) -> Assignment:
    assignment = ctx.session.scalar(select(Assignment).where(Assignment.application_id == app.id))
    if assignment is None:
        raise CommandError(f"{app.ref} has no expert yet: `match {app.ref}` proposes one.",
                           show_usage=False)
    return assignment


def parties_of(assignment: Assignment) -> dict[str, Any]:
    return {"dg_regio_officer": assignment.dg_regio_officer,
            "region_contact": assignment.region_contact,
            "secretariat_lead": assignment.secretariat_lead,
            "expert_id": assignment.expert_id}


@commands.command("expert", usage=ASSIGN_USAGE, summary="assign an expert to an approved case",
                  roles=SECRETARIAT, writes=True)
def assign_expert(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"days", "dg_regio"})
    if len(args.positional) < 2:
        raise CommandError("Give the application's reference and the expert's name or email.")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    if app.status not in MATCHABLE_STATUSES:
        raise CommandError(f"{app.ref} is `{app.status}`: only an approved application gets "
                           "an expert.", show_usage=False)
    existing = ctx.session.scalar(select(Assignment).where(Assignment.application_id == app.id))
    if existing is not None:
        raise CommandError(f"{app.ref} already has an assignment.", show_usage=False)
    expert = find_expert(ctx.session, " ".join(args.positional[1:]))
    why = exclusion(expert, app)
    if why:
        raise CommandError(f"{expert.name} cannot serve {app.ref}: {why}.", show_usage=False)
    days = _days(args.options.get("days"), ctx.config.assignment_days)
    free = days_left(expert, commitments(ctx.session, [expert.id]).get(expert.id))
    assignment = Assignment(
        application_id=app.id, expert_id=expert.id, days_planned=days,
        dg_regio_officer=args.options.get("dg_regio"), region_contact=app.contact_name,
        secretariat_lead=ctx.actor.display_name or None, started_at=ctx.now)
    ctx.session.add(assignment)
    ctx.session.flush()
    offsets = dict(ctx.config.milestone_offsets)
    today = ctx.local_now.date()
    for key in MILESTONES:
        ctx.session.add(Milestone(assignment_id=assignment.id, key=key,
                                  due_date=today + timedelta(days=offsets.get(key, 0))))
    if app.status == "approved":
        advance(ctx, app, "expert_matching", f"expert {expert.name} chosen")
    advance(ctx, app, "co_design", "co-design with the four parties begins")
    ctx.audit("assignment", app.ref, "assign", None,
              {**parties_of(assignment), "days_planned": days})
    return Outcome(_assigned_card(app, expert, assignment, days, free),
                   notices=_assigned_notices(app, expert, assignment))


def _days(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= 92:
        raise CommandError("days: must be a whole number of days from 1 to 92")
    return int(raw)


def _assigned_card(app: Application, expert: Expert, assignment: Assignment, days: int,
                   free: int) -> Card:
    context = [f"`milestone {app.ref} kickoff done` when the kick-off has taken place."]
    if free < days:
        context.insert(0, f"{expert.name} had {free} days left this quarter for {days} planned.")
    return Card(
        title=f"{expert.name} assigned to {app.ref}",
        facts=_party_facts(assignment, expert.name),
        context=tuple(context),
        buttons=(Button("Show case", f"show {app.ref}"), Button("Assignments", "assignments")),
        tone="success",
    )


def _party_facts(assignment: Assignment, expert_name: str | None) -> tuple[Fact, ...]:
    return (
        Fact("DG REGIO", assignment.dg_regio_officer or "to be named"),
        Fact("Region", assignment.region_contact or "to be named"),
        Fact("Secretariat lead", assignment.secretariat_lead or "to be named"),
        Fact("Expert", expert_name or "to be named"),
    )


def _assigned_notices(app: Application, expert: Expert,
                      assignment: Assignment) -> tuple[Notice, ...]:
    about = f"{app.ref}: {app.topic} in {app.region.name} ({app.region_code})"
    key = f"assignment:{app.ref}:{assignment.id}"
    notices = [Notice(
        Audience("secretariat"),
        Card(title=f"Expert assigned to {app.ref}", text=(f"{expert.name} will work on {about}.",),
             buttons=(Button("Show case", f"show {app.ref}"),)),
        key=f"{key}:secretariat", kind="assignment", thread_key=f"case:{app.ref}")]
    if expert.person_id is not None:
        notices.append(Notice(
            Audience("person", person_id=expert.person_id),
            Card(title=f"You are the expert for {app.ref}",
                 text=(f"The secretariat has assigned you to {about}. Co-design with DG REGIO, "
                       "the region and the secretariat starts with the kick-off.",)),
            key=f"{key}:expert", kind="assignment"))
    return tuple(notices)


@commands.command("parties", usage=PARTIES_USAGE, summary="record the four co-design parties",
                  roles=SECRETARIAT, writes=True)
def parties(ctx: Context, args: Args) -> Outcome:
    args.expect(options=set(PARTY_OPTIONS), max_positional=1)
    if not args.positional:
        raise CommandError("Which application? Give its reference.")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    assignment = assignment_of(ctx, app)
    expert = ctx.session.get(Expert, assignment.expert_id) if assignment.expert_id else None
    if args.options:
        before = parties_of(assignment)
        for option, attribute in PARTY_OPTIONS.items():
            if option in args.options:
                value = " ".join(args.options[option].split())
                if len(value) > 200:
                    raise CommandError(f"{option}: at most 200 characters")
                setattr(assignment, attribute, value or None)
        ctx.audit("assignment", app.ref, "parties", before, parties_of(assignment))
    return Outcome(Card(title=f"Co-design parties of {app.ref}",
                        facts=_party_facts(assignment, expert.name if expert else None),
                        tone="success" if args.options else "info"))
