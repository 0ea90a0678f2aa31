"""`unassign REF @person [reason]`: the secretariat takes an evaluator off a case's panel.

The assignment row stays, inactive, with the reason it ended; a score the evaluator gave
stops counting (kept, marked excluded). The panel is then settled again: a `scored` case
whose panel is now short goes back to evaluation. Once a case is decided its panel is final.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.cases.threads import case_ref, looks_like_ref
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import find_person, get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Button, Card, Fact, Notice, Outcome
from handlers.evaluation.notices import thread_notice
from handlers.evaluation.panel import OPEN_FOR_SCORING, progress_of
from handlers.evaluation.score_flow import settle_panel
from storage.models import Application, Decision, EvaluatorAssignment, Person, Role, Score

commands = Commands()

USAGE = "unassign REF @person [reason]"
DEFAULT_REASON = "removed by the secretariat"


@commands.command("unassign", usage=USAGE,
                  summary="take an evaluator off a case's panel; their score stops counting",
                  roles=SECRETARIAT, writes=True)
def unassign(ctx: Context, args: Args) -> Outcome:
    args.expect()
    typed = looks_like_ref(args.positional[0] if args.positional else None)
    ref, _ = case_ref(ctx.session, args.positional[0] if typed else None, ctx.request.where,
                      "unassign TA-2026-0007 @person on leave until March")
    at = 1 if typed else 0
    if len(args.positional) <= at:
        raise CommandError(f"name the evaluator to take off the panel of {ref}, e.g. "
                           f"`unassign {ref} @person on leave`")
    app = get_application(ctx.session, ref, for_update=True)
    _check_open(ctx, app)
    person = find_person(ctx.session, args.positional[at], ctx.actor.platform)
    assignment = _active_assignment(ctx, app, person)
    reason = args.rest(at + 1).strip() or DEFAULT_REASON
    assignment.active = False
    assignment.removed_reason = reason
    entity = f"{app.ref}:{person.id}"
    ctx.audit("assignment", entity, "deactivate", {"active": True},
              {"active": False, "removed_reason": reason})
    score = ctx.session.scalar(select(Score).where(Score.application_id == app.id,
                                                   Score.person_id == person.id))
    excluded = score is not None and not score.excluded
    if score is not None and excluded:
        score.excluded = True
        ctx.audit("score", entity, "exclude", {"excluded": False},
                  {"excluded": True, "why": f"taken off the panel: {reason}"})
    status_before = app.status
    notices = settle_panel(ctx.session, app.ref, ctx.config, ctx.audit)
    notices += [_direct_notice(app, person, assignment, reason, excluded),
                thread_notice(app, f"unassigned:{assignment.id}",
                              f"{person.name} leaves the panel")]
    return _reply(ctx, app, person, reason, excluded, status_before, notices)


def _check_open(ctx: Context, app: Application) -> None:
    decided = ctx.session.scalar(select(Decision.outcome)
                                 .where(Decision.application_id == app.id))
    if decided is not None:
        raise CommandError(f"{app.ref} is decided ({decided}): its panel can no longer change",
                           show_usage=False)
    if app.status not in OPEN_FOR_SCORING:
        raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')}: evaluators are "
                           "taken off a panel while the case is in evaluation",
                           show_usage=False)


def _active_assignment(ctx: Context, app: Application, person: Person) -> EvaluatorAssignment:
    row = ctx.session.scalar(select(EvaluatorAssignment).where(
        EvaluatorAssignment.application_id == app.id,
        EvaluatorAssignment.person_id == person.id))
    if row is not None and row.active:
        return row
    if row is not None:
        raise CommandError(f"{person.name} is no longer on the panel of {app.ref} "
                           f"({row.removed_reason or 'removed'})", show_usage=False)
    if Role.EVALUATOR not in person.role_names:
        raise CommandError(f"{person.name} is not an evaluator, so not on the panel of "
                           f"{app.ref}", show_usage=False)
    panel = progress_of(ctx.session, app, ctx.config).names.values()
    raise CommandError(f"{person.name} is not on the panel of {app.ref} (panel: "
                       f"{', '.join(panel) or 'nobody yet'})", show_usage=False)


def _direct_notice(app: Application, person: Person, assignment: EvaluatorAssignment,
                   reason: str, excluded: bool) -> Notice:
    text = ["You no longer need to evaluate this case."]
    if excluded:
        text.append("The score you gave no longer counts.")
    card = Card(title=f"You are no longer on the panel of {app.ref}", text=tuple(text),
                facts=(Fact("Case", f"{app.ref}: {app.applicant_organisation}"),
                       Fact("Reason", reason)))
    return Notice(Audience("person", person_id=person.id), card,
                  key=f"evaluator:{person.id}:unassign:{assignment.id}", kind="assignment")


def _reply(ctx: Context, app: Application, person: Person, reason: str, excluded: bool,
           status_before: str, notices: list[Notice]) -> Outcome:
    progress = progress_of(ctx.session, app, ctx.config)
    facts = [Fact("Removed", person.name), Fact("Reason", reason),
             Fact("Panel", ", ".join(progress.names.values()) or "nobody"),
             Fact("Progress", progress.text),
             Fact("Status", app.status.replace("_", " "))]
    context: list[str] = []
    if excluded:
        context.append(f"{person.name}'s score no longer counts (it is kept, excluded).")
    if status_before == "scored" and app.status == "in_evaluation":
        context.append("The panel is short now, so the case is back in evaluation.")
    buttons: tuple[Button, ...] = ()
    if len(progress.active) < ctx.config.evaluators_per_case:
        buttons = (Button("Assign a replacement", f"assign {app.ref} auto", "primary"),)
    return Outcome(Card(title=f"{app.ref}: {person.name} taken off the panel",
                        facts=tuple(facts), context=tuple(context), buttons=buttons,
                        tone="success"), notices=tuple(notices))
