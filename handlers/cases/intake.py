"""`new`: register an Expression of Interest from the intake form or inline `key:value` words.

`create_application` is the one way an application enters the store (the command, the CSV
import and the demo data all call it): reference, cut-off, search text and audit row included.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handlers.cases.intake_fields import (
    CATEGORY_LABELS,
    CHALLENGE_LABELS,
    TOPIC_LABELS,
    IntakeFields,
    check_intake,
)
from handlers.cases.intake_form import intake_form
from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Fact, Outcome
from handlers.cutoffs.placement import Placement, place_submission
from handlers.letters.drafting import acknowledge
from storage.models import Application, AuditEntry
from storage.queries_applications import ReferencesExhausted, next_reference
from storage.text import fold

commands = Commands()

# inline words -> field keys (the form's input keys are the field keys themselves)
INLINE_KEYS = {
    "region": "region", "topic": "topic", "org": "organisation",
    "organisation": "organisation", "contact": "contact_name", "contact_name": "contact_name",
    "email": "contact_email", "contact_email": "contact_email", "challenges": "challenges",
    "category": "category", "cohesion": "category", "needs": "needs", "submitted": "submitted",
    "language": "language", "lang": "language",
}
USAGE = ('new [region:EL51 topic:edp org:"..." contact:"..." email:a@b.eu '
         'challenges:green,digital category:less_developed needs:"..." submitted:YYYY-MM-DD '
         'language:en]')


def search_text_for(organisation: str, region_name: str, needs: str, ref: str) -> str:
    return fold(f"{organisation} {region_name} {needs} {ref}")


def snapshot(app: Application) -> dict[str, Any]:
    """An application as the audit log keeps it: no contact data (it may be erased later)."""
    return {
        "region": app.region_code, "topic": app.topic,
        "organisation": app.applicant_organisation, "challenges": list(app.challenges),
        "needs": app.needs[:300], "status": app.status, "language": app.language,
        "cohesion_declared": app.cohesion_declared,
        "submitted_at": app.submitted_at.isoformat(),
        "contact": "given" if app.contact_name or app.contact_email else None,
    }


def create_application(
    session: Session, fields: IntakeFields, now: datetime, config: ProgrammeConfig, *,
    actor_id: int | None = None, source: str | None = None,
) -> Application:
    """Store a checked application with its reference, cut-off and audit row."""
    return register_application(session, fields, now, config, actor_id=actor_id,
                                source=source)[0]


def register_application(
    session: Session, fields: IntakeFields, now: datetime, config: ProgrammeConfig, *,
    actor_id: int | None = None, source: str | None = None,
) -> tuple[Application, Placement]:
    """`create_application`, also saying where the case went when its own cut-off was
    already decided (the caller tells whoever registered it)."""
    submitted = fields.submitted_at or now
    placement = place_submission(session, submitted, config)
    cutoff = placement.cutoff
    try:
        ref = next_reference(session, submitted.astimezone(config.timezone).year)
    except ReferencesExhausted as exc:
        raise CommandError(str(exc), show_usage=False) from exc
    region = fields.region
    app = Application(
        ref=ref, region_code=region.code, country_code=region.country_code,
        applicant_organisation=fields.organisation, contact_name=fields.contact_name,
        contact_email=fields.contact_email, language=fields.language, topic=fields.topic,
        challenges=list(fields.challenges), needs=fields.needs, submitted_at=submitted,
        cutoff_id=cutoff.id, status="received",
        # the region's last confirmed category stands in when the applicant declared none
        cohesion_declared=fields.category_declared or region.cohesion_category,
        search_text=search_text_for(fields.organisation, region.name, fields.needs, ref),
        created_at=now, updated_at=now,
    )
    app.region = region
    app.cutoff = cutoff
    session.add(app)
    session.flush()
    after = snapshot(app)
    if placement.passed_over:
        after["passed_over"] = [c.date.isoformat() for c in placement.passed_over]
        after["cutoff"] = cutoff.date.isoformat()
    session.add(AuditEntry(at=now, actor_id=actor_id, entity="application", entity_id=ref,
                           action="created", before=None, after=after, source=source))
    return app, placement


def _form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in form.items() if value not in (None, "")}


@commands.command("new", usage=USAGE, roles=SECRETARIAT, writes=True,
                  summary="register an application (alone: opens the intake form)")
def new(ctx: Context, args: Args) -> Outcome:
    from_form = ctx.request.form is not None
    if from_form:
        values = _form_values(ctx.request.form or {})
    elif not args.options and not args.positional and not args.pairs:
        return Outcome(Card(title="New application", form=intake_form()), opens_form=True)
    else:
        if args.positional:
            raise CommandError(f"write each detail as key:value (e.g. region:EL51), not "
                               f"`{args.positional[0]}`")
        args.expect(options=set(INLINE_KEYS))
        values = {INLINE_KEYS[key]: value for key, value in args.options.items()}
    fields, problems = check_intake(ctx.session, values, ctx.now, ctx.config)
    if fields is None:
        if from_form:
            form = intake_form(values, problems)
            card = Card(title="New application", text=("Please correct the marked fields.",),
                        form=form, tone="error")
            return Outcome(card, opens_form=True)
        lines = [f"- {key.replace('_', ' ')}: {problem}" for key, problem in problems.items()]
        raise CommandError("The application was not registered:\n" + "\n".join(lines))
    app, placement = register_application(ctx.session, fields, ctx.now, ctx.config,
                                          actor_id=ctx.actor.person_id, source=ctx.source)
    notice, said = acknowledge(ctx, app)
    return Outcome(_registered(app, ctx, placement.note(app.ref), said),
                   notices=(notice,) if notice else ())


def _registered(app: Application, ctx: Context, placed: str | None,
                acknowledgement: str) -> Card:
    cutoff = app.cutoff
    facts = [
        Fact("Organisation", app.applicant_organisation),
        Fact("Region", f"{app.region_code} {app.region.name}"),
        Fact("Topic", TOPIC_LABELS.get(app.topic, app.topic)),
        Fact("Challenges", ", ".join(CHALLENGE_LABELS[c] for c in app.challenges) or "none"),
        Fact("Cut-off", cutoff.date.isoformat()),
        Fact("Status", app.status),
    ]
    if app.cohesion_declared:
        facts.append(Fact("Cohesion category", CATEGORY_LABELS[app.cohesion_declared]))
    context = []
    if not app.contact_email:
        context.append(f"No contact email yet: add one with `set {app.ref} email ADDRESS` so "
                       "the applicant can be informed.")
    if placed:
        context.append(placed)
    if cutoff.closes_at <= ctx.now:
        context.append("Its cut-off has already closed: the case joins it.")
    context.append(acknowledgement)
    return Card(title=f"Registered {app.ref}", facts=tuple(facts), context=tuple(context),
                buttons=(Button("Show", f"show {app.ref}"),), tone="success")
