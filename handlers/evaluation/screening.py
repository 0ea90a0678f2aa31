"""Screening: `eligible REF [category:...]` confirms the case and its Cohesion category;
`ineligible REF REASON` ends it with a decision the applicant will be told about. Until that
decision is announced, `eligible REF reason:"..."` screens the case in after all."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.audit import force_status, move_status
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Fact, Notice, Outcome
from handlers.evaluation.closing import open_evaluation
from storage.models import COHESION_CATEGORIES, Application, Decision

commands = Commands()

SCREENABLE = ("received", "screening")
# past screening but not yet decided: the confirmed category may still be corrected
RECATEGORISABLE = ("eligible", "in_evaluation", "scored")


def _category(text: str) -> str:
    value = text.strip().lower().replace("-", "_").replace(" ", "_")
    if value not in COHESION_CATEGORIES:
        raise CommandError(f"`{text}` is not a Cohesion category; use one of "
                           f"{', '.join(COHESION_CATEGORIES)}")
    return value


@commands.command(
    "eligible",
    usage='eligible REF [category:less_developed|transition|more_developed] [reason:"..."]',
    summary="screen a case as eligible and confirm its Cohesion category",
    roles=SECRETARIAT, writes=True,
)
def eligible(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"category", "reason"}, max_positional=1)
    if not args.positional:
        raise CommandError("name the case, e.g. `eligible TA-2026-0007 category:transition`")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    given = args.options.get("category")
    category = _category(given) if given else (
        app.cohesion_confirmed or app.cohesion_declared or app.region.cohesion_category)
    if category is None:
        raise CommandError("neither the applicant nor an earlier case of this region gave the "
                           "Cohesion category: add category:less_developed|transition|"
                           "more_developed")
    if app.status in RECATEGORISABLE:
        if not given or category == app.cohesion_confirmed:
            raise CommandError(f"{app.ref} is already past screening ({app.status}); give a "
                               "different category: to correct it", show_usage=False)
        _confirm_category(ctx, app, category)
        return Outcome(Card(title=f"{app.ref}: category corrected",
                            facts=(Fact("Category", category.replace("_", " ")),),
                            tone="success"))
    reason = (args.options.get("reason") or "").strip() or None
    reversed_ = app.status == "ineligible"
    if reversed_:
        _reverse_ineligible(ctx, app, reason)
    elif app.status not in SCREENABLE:
        raise CommandError(f"{app.ref} is {app.status}: only received cases or cases in "
                           "screening can be screened", show_usage=False)
    _confirm_category(ctx, app, category)
    if reversed_:
        # not a forward move in the status table: the check is `_reverse_ineligible`'s
        force_status(app, "eligible", ctx.audit, reason)
    else:
        move_status(app, "eligible", ctx.audit, reason)
    notices: tuple[Notice, ...] = ()
    context = "It goes to evaluation when its cut-off closes."
    if app.cutoff.closed_at is not None:
        # screened late: its cut-off is already in evaluation, so it joins at once
        notices = (open_evaluation(ctx.session, app, ctx.config, ctx.audit),)
        context = f"Its cut-off is closed, so it is now in evaluation: `assign {app.ref} auto`."
    facts = [Fact("Category", category.replace("_", " ")), Fact("Status", app.status)]
    if reversed_:
        facts.append(Fact("Ineligible decision withdrawn", reason or ""))
    return Outcome(Card(
        title=f"{app.ref} is eligible" + (" after all" if reversed_ else ""),
        facts=tuple(facts), context=(context,), tone="success"), notices=notices)


def _reverse_ineligible(ctx: Context, app: Application, reason: str | None) -> None:
    """Take back an `ineligible` screening: its decision goes, until it was announced (the
    applicant has then been told, and a new application is the way back)."""
    decision = ctx.session.scalar(select(Decision).where(Decision.application_id == app.id))
    if decision is not None and decision.announced_at is not None:
        raise CommandError(f"{app.ref} was screened out and that was announced on "
                           f"{decision.announced_at:%Y-%m-%d}; it can no longer be reversed",
                           show_usage=False)
    if not reason:
        raise CommandError(f"{app.ref} was screened out as ineligible; to screen it in after "
                           'all, say why: reason:"..."')
    if decision is not None:
        ctx.audit("decision", app.ref, "delete",
                  {"outcome": decision.outcome, "reason": decision.reason,
                   "revision": decision.revision},
                  {"why": reason})
        ctx.session.delete(decision)
        ctx.session.flush()


def _confirm_category(ctx: Context, app: Application, category: str) -> None:
    before = {"cohesion_confirmed": app.cohesion_confirmed,
              "region_default": app.region.cohesion_category}
    app.cohesion_confirmed = category
    # the confirmed value becomes the default offered for the region's next application
    app.region.cohesion_category = category
    ctx.audit("application", app.ref, "confirm_category", before,
              {"cohesion_confirmed": category, "region_default": category})


@commands.command("ineligible", usage="ineligible REF REASON",
                  summary="screen a case out; the applicant is told at the announcement",
                  roles=SECRETARIAT, writes=True)
def ineligible(ctx: Context, args: Args) -> Outcome:
    args.expect()
    if not args.positional:
        raise CommandError("name the case and say why, e.g. `ineligible TA-2026-0007 not an "
                           "EU region`")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    reason = args.rest(1).strip()
    if not reason:
        raise CommandError("say why the case is ineligible; the applicant will read it")
    if app.status not in SCREENABLE:
        raise CommandError(f"{app.ref} is {app.status}: only received cases or cases in "
                           "screening can be screened out", show_usage=False)
    if ctx.session.scalar(select(Decision.id).where(Decision.application_id == app.id)):
        raise CommandError(f"{app.ref} already has a decision", show_usage=False)
    move_status(app, "ineligible", ctx.audit, reason)
    decision = Decision(application_id=app.id, outcome="ineligible", reason=reason,
                        decided_by=ctx.actor.person_id, decided_at=ctx.now)
    ctx.session.add(decision)
    ctx.audit("decision", app.ref, "decide", None,
              {"outcome": "ineligible", "reason": reason, "revision": 1})
    return Outcome(Card(
        title=f"{app.ref} is ineligible", text=(reason,),
        context=("The applicant is told when the cut-off's decisions are announced "
                 f"(`announce cutoff:{app.cutoff.date.isoformat()}`).",),
        tone="success"))
