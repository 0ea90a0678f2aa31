"""`consensus REF relevance=4 ... REASON`: the secretariat records the values a panel agreed
after a discussion (typically when scores diverged); they replace the means."""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Outcome
from handlers.evaluation.aggregate import aggregate_case, summary_lines
from handlers.evaluation.divergence import consensus_round
from handlers.evaluation.notices import thread_notice
from handlers.evaluation.rubric import active_criteria
from handlers.evaluation.score_values import problem_text, read_values, text_after_pairs
from storage.models import ConsensusScore

commands = Commands()

USAGE = "consensus REF criterion=N ... REASON"


@commands.command("consensus", usage=USAGE,
                  summary="record the values a panel agreed; they replace the means",
                  roles=SECRETARIAT, writes=True)
def consensus(ctx: Context, args: Args) -> Outcome:
    if not args.positional:
        raise CommandError("name the case")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    if not args.pairs:
        raise CommandError("give the agreed value of every criterion, then the reason")
    if app.status != "scored":
        raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')}: a consensus is "
                           "recorded once every evaluator has scored and before the decision",
                           show_usage=False)
    reason = text_after_pairs(args, 1)
    values, problems = read_values(active_criteria(ctx.session), args.pairs)
    if problems:
        raise CommandError(problem_text(problems))
    if not reason:
        raise CommandError("say how the consensus was reached (the reason follows the values)")
    row = ctx.session.get(ConsensusScore, app.id)
    before = None if row is None else {"values": dict(row.values), "reason": row.reason}
    if row is None:
        row = ConsensusScore(application_id=app.id, values=values, reason=reason,
                             recorded_by=ctx.actor.person_id, recorded_at=ctx.now)
        ctx.session.add(row)
    else:
        row.values, row.reason = values, reason
        row.recorded_by, row.recorded_at = ctx.actor.person_id, ctx.now
    ctx.audit("consensus", app.ref, "record" if before is None else "revise", before,
              {"values": values, "reason": reason})
    ctx.session.flush()
    lines = summary_lines(aggregate_case(ctx.session, app, ctx.config))
    # each recording gets its own post, numbered by the recordings so far; it also ends
    # the divergence episode, so a later divergence asks for a consensus again
    round_ = consensus_round(ctx.session, app.ref)
    notice = thread_notice(app, f"consensus-recorded:{round_}", "consensus recorded",
                           text=(*lines, f"Reason: {reason}"), tone="success")
    return Outcome(Card(title=f"{app.ref}: consensus recorded", text=(*lines, reason),
                        tone="success"), notices=(notice,))
