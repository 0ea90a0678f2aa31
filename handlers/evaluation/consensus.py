"""`consensus REF need=3 ... REASON`: the secretariat records the values a panel agreed for
the criteria whose scores were far apart; they replace those criteria's means.

A consensus covers the diverging criteria only: the others keep the evaluators' mean, and
giving one of them is refused. Criteria may be agreed one discussion at a time; values
agreed earlier stay until revised, and the reply says which criteria are still open.
"""

from __future__ import annotations

from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Card, Outcome
from handlers.evaluation.aggregate import Aggregate, aggregate_case, summary_lines
from handlers.evaluation.divergence import consensus_round
from handlers.evaluation.notices import thread_notice
from handlers.evaluation.rubric_versions import case_rubric
from handlers.evaluation.score_values import problem_text, read_values, text_after_pairs
from storage.models import Application, ConsensusScore

commands = Commands()

USAGE = "consensus REF criterion=N ... REASON (the criteria whose scores diverged)"


def _check_covered(app: Application, agg: Aggregate, given: set[str],
                   agreed_before: set[str]) -> None:
    """Only diverging criteria (or ones agreed before, to revise them) take a consensus."""
    open_ = set(agg.divergent) | agreed_before
    if not open_:
        raise CommandError(f"no criterion of {app.ref} is far apart: the evaluators' means "
                           "stand and no consensus is needed", show_usage=False)
    others = [c for c in agg.criteria if c.key in given - open_]
    if others:
        said = ", ".join(f"{c.key} (spread {c.spread})" for c in others)
        raise CommandError(f"{said} did not diverge, so the evaluators' mean stands. A "
                           "consensus covers the criteria far apart only: "
                           f"{', '.join(sorted(open_))}")


@commands.command("consensus", usage=USAGE,
                  summary="record the values a panel agreed where scores diverged",
                  roles=SECRETARIAT, writes=True)
def consensus(ctx: Context, args: Args) -> Outcome:
    if not args.positional:
        raise CommandError("name the case")
    app = get_application(ctx.session, args.positional[0], for_update=True)
    if not args.pairs:
        raise CommandError("give the agreed value of each diverging criterion, then the "
                           "reason")
    if app.status != "scored":
        raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')}: a consensus is "
                           "recorded once every evaluator has scored and before the decision",
                           show_usage=False)
    reason = text_after_pairs(args, 1)
    agg = aggregate_case(ctx.session, app, ctx.config)
    values, problems = read_values(case_rubric(ctx.session, app).criteria, args.pairs,
                                   every=False)
    if problems:
        raise CommandError(problem_text(problems))
    row = ctx.session.get(ConsensusScore, app.id)
    agreed_before = set(row.values) if row is not None else set()
    _check_covered(app, agg, set(values), agreed_before)
    if not reason:
        raise CommandError("say how the consensus was reached (the reason follows the values)")
    before = None if row is None else {"values": dict(row.values), "reason": row.reason}
    if row is None:
        row = ConsensusScore(application_id=app.id, values=values, reason=reason,
                             recorded_by=ctx.actor.person_id, recorded_at=ctx.now)
        ctx.session.add(row)
    else:
        kept = agreed_before - set(values)
        row.values = {**row.values, **values}
        # reasons for criteria agreed in an earlier discussion stay beside the new one
        row.reason = f"{row.reason}; {reason}" if kept else reason
        row.recorded_by, row.recorded_at = ctx.actor.person_id, ctx.now
    ctx.audit("consensus", app.ref, "record" if before is None else "revise", before,
              {"values": values, "reason": reason})
    ctx.session.flush()
    after = aggregate_case(ctx.session, app, ctx.config)
    lines = summary_lines(after)
    still = (f"Still far apart without a consensus: {', '.join(after.open_consensus)}.",) \
        if after.open_consensus else ()
    # each recording gets its own post, numbered by the recordings so far; it also ends
    # the divergence episode, so a later divergence asks for a consensus again
    round_ = consensus_round(ctx.session, app.ref)
    notice = thread_notice(app, f"consensus-recorded:{round_}", "consensus recorded",
                           text=(*lines, f"Reason: {reason}", *still), tone="success")
    return Outcome(Card(title=f"{app.ref}: consensus recorded", text=(*lines, reason, *still),
                        tone="success"), notices=(notice,))
