"""`score`: an assigned evaluator records or revises their scores, typed or through a form.

`score REF` alone opens the form; `score REF relevance=4 need=5 ... free comment` records at
once. Inside a case's thread the reference may be left out. Only active evaluators of the
case without a conflict may score, and only until the case is decided.
"""

from __future__ import annotations

from typing import Any

from handlers.cases.threads import case_ref
from handlers.core.context import Context
from handlers.core.errors import CommandError, NotAllowed, NotFound
from handlers.core.parse import Args
from handlers.core.registry import Commands
from handlers.core.types import Card, Fact, Outcome
from handlers.evaluation.panel import OPEN_FOR_SCORING
from handlers.evaluation.rubric_versions import case_rubric, freeze_for
from handlers.evaluation.score_flow import settle_locked_panel, store_score
from handlers.evaluation.score_values import (
    problem_text,
    read_values,
    text_after_pairs,
    values_form,
)
from storage.models import Application, Role
from storage.queries_scoring import Standing, lock_case_with_standing

commands = Commands()

EVALUATORS = frozenset({Role.EVALUATOR})
USAGE = "score REF criterion=N ... [comment]"


@commands.command("score", usage=USAGE, summary="record or revise your scores for a case",
                  roles=EVALUATORS, writes=True)
def score(ctx: Context, args: Args) -> Outcome:
    # only the very first word may be the reference: a comment may mention another case
    first = args.positional[0] if args.positional_at[:1] == [0] else None
    ref, typed = case_ref(ctx.session, first, ctx.request.where,
                          "score TA-2026-0007 relevance=4 need=5 ...")
    # Lock the case first: every change to its panel is serialised on this row.
    found = lock_case_with_standing(ctx.session, ref, ctx.actor.person_id)
    if found is None:
        raise NotFound(f"No application `{ref}`.")
    app, standing = found
    _check_may_score(app, standing)
    rubric = case_rubric(ctx.session, app)
    criteria = rubric.criteria
    own = standing.own_score
    form_values = ctx.request.form
    if form_values is not None:
        raw = {k: v for k, v in form_values.items() if k != "comment"}
        comment = str(form_values.get("comment") or "").strip()
        values, problems = read_values(criteria, raw)
        if problems:
            form = values_form(f"score {app.ref}", f"Score {app.ref}", criteria,
                               given=form_values, problems=problems)
            return Outcome(Card(title=f"Score {app.ref}", text=("Please correct the form.",),
                                form=form, tone="error"), opens_form=True)
    elif not args.pairs:
        if len(args.positional) > (1 if typed else 0):
            raise CommandError("give a score for every criterion, e.g. "
                               + " ".join(f"{c.key}=N" for c in criteria))
        given: dict[str, Any] = dict(own.values) if own and not own.excluded else {}
        if own and not own.excluded:
            given["comment"] = own.comment
        form = values_form(f"score {app.ref}", f"Score {app.ref}", criteria, given=given)
        lines = tuple(f"{c.label}: {c.description}" for c in criteria if c.description)
        return Outcome(Card(title=f"Score {app.ref}: {app.applicant_organisation}",
                            text=lines, form=form), opens_form=True)
    else:
        comment = text_after_pairs(args, 1 if typed else 0)
        values, problems = read_values(criteria, args.pairs)
        if problems:
            raise CommandError(problem_text(problems))
    assert ctx.actor.person_id is not None
    revised = own is not None
    stored = store_score(ctx.session, app, ctx.actor.person_id, own, values, comment, ctx.now,
                         ctx.audit)
    # the cut-off's scoring has started: its rubric no longer follows later edits
    freeze_for(ctx.session, app, rubric)
    # the case is locked since the start of the command: settle it without locking again
    settled = settle_locked_panel(ctx.session, app, ctx.config, ctx.audit, criteria)
    facts = [Fact(c.label, str(values[c.key])) for c in criteria]
    facts.append(Fact("Progress", settled.progress.text))
    if comment:
        facts.append(Fact("Comment", comment))
    what = f"revised (version {stored.version})" if revised else "recorded"
    return Outcome(Card(title=f"{app.ref}: your scores are {what}", facts=tuple(facts),
                        context=("You may revise them until the case is decided.",),
                        tone="success"), notices=tuple(settled.notices))


def _check_may_score(app: Application, standing: Standing) -> None:
    if standing.conflict_declared:
        raise NotAllowed(f"You declared a conflict of interest on {app.ref}.")
    if not standing.assigned:
        raise NotAllowed(f"You are not an evaluator of {app.ref}.")
    if app.status not in OPEN_FOR_SCORING:
        raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')}: scores can be given "
                           "from the opening of evaluation until the decision",
                           show_usage=False)
