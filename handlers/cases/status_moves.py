"""`status REF STATE [reason]`: the moves that carry no obligation, and where the others go.

A move that needs a record (screening's category or reason, an evaluation panel, scores, a
decision and its letter, an expert, a milestone) happens only through the command that
keeps that record; `status` refuses it and names that command. What `status` does itself is
in `storage.status.PLAIN_MOVES`: taking a case into screening, marking an approved case as
looking for an expert, and a withdrawal before the decision.
"""

from __future__ import annotations

from handlers.core.audit import move_status
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Button, Card, Fact, Outcome
from storage.models import Application
from storage.status import PLAIN_MOVES, STATUSES, TRANSITIONS

commands = Commands()

USAGE = "status REF STATE [reason]"
DECISION_WORD = {"approved": "approve", "rejected": "reject", "reserve": "reserve"}


def recording_command(app: Application, wanted: str) -> str:
    """The command that makes the move `app.status -> wanted` with what it must record."""
    ref, day = app.ref, app.cutoff.date.isoformat()
    if wanted == "eligible":
        if app.status == "ineligible":
            return f'`eligible {ref} reason:"..."` (screens it in after all)'
        return f"`eligible {ref} category:less_developed|transition|more_developed`"
    if wanted == "ineligible":
        return f"`ineligible {ref} REASON` (the applicant is told at the announcement)"
    if wanted == "in_evaluation" and app.status == "scored":
        return (f"`unassign {ref} @person REASON` or `assign {ref} @person`: a scored case "
                "goes back to evaluation when its panel changes")
    if wanted == "in_evaluation":
        return (f"`cutoff close {day}`: evaluation opens for every eligible case when its "
                "cut-off closes")
    if wanted == "scored":
        return (f"`score {ref} ...` by each evaluator on the panel: the case is scored when "
                "the last score is in")
    if wanted in DECISION_WORD:
        return (f"`decide {ref} {DECISION_WORD[wanted]} REASON` (or the cut-off's proposal, "
                f"`decide cutoff:{day}`)")
    if wanted == "co_design":
        return f"`expert {ref} NAME`: assigning the expert starts co-design"
    if wanted == "in_delivery":
        return f"`milestone {ref} work_plan done`: the agreed work plan starts delivery"
    if wanted == "completed":
        return f"`milestone {ref} closure done`"
    return f"`status {ref} {wanted}`"


def next_steps(app: Application) -> str:
    """Every move allowed from here, each with the command that makes it."""
    steps = [f"`status {app.ref} {state}`" if (app.status, state) in PLAIN_MOVES
             else recording_command(app, state) for state in sorted(TRANSITIONS[app.status])]
    return "; ".join(steps) or "none: the case is closed"


@commands.command("status", usage=USAGE, roles=SECRETARIAT, writes=True,
                  summary="take a case into screening, mark it looking for an expert, or "
                          "withdraw it")
def set_status(ctx: Context, args: Args) -> Outcome:
    if len(args.positional) < 2:
        raise CommandError("name the case and its new state, e.g. "
                           "`status TA-2026-0007 screening`")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    wanted = args.positional[1].strip().lower()
    reason = args.rest(2).strip() or None
    if wanted not in STATUSES:
        raise CommandError(f"unknown status `{wanted}`; known: {', '.join(STATUSES)}")
    if wanted == app.status:
        raise CommandError(f"{app.ref} is already {wanted}", show_usage=False)
    if wanted not in TRANSITIONS[app.status]:
        if not TRANSITIONS[app.status]:
            raise CommandError(f"{app.ref} is {app.status}: the case is closed and moves no "
                               "further", show_usage=False)
        allowed = ", ".join(sorted(TRANSITIONS[app.status]))
        raise CommandError(f"{app.ref}: a case in `{app.status}` cannot move to `{wanted}` "
                           f"(allowed: {allowed}). From here: {next_steps(app)}",
                           show_usage=False)
    if (app.status, wanted) not in PLAIN_MOVES:
        raise CommandError(f"{app.ref}: `{wanted}` is recorded by its own command, not by "
                           f"`status`: use {recording_command(app, wanted)}",
                           show_usage=False)
    move_status(app, wanted, ctx.audit, reason)
    app.updated_at = ctx.now
    facts = [Fact("Status", app.status)] + ([Fact("Reason", reason)] if reason else [])
    return Outcome(Card(title=f"{app.ref} is now {app.status}", facts=tuple(facts),
                        buttons=(Button("Show", f"show {app.ref}"),), tone="success"))
