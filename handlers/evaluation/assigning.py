"""Evaluator assignment: `assign REF @person...`, `assign REF auto`, `assign cutoff:DATE auto`.

Only evaluators; never one who declared a conflict on the case; not from the applicant's
country unless the secretariat gives `override:"reason"` (kept on the assignment, audited).
`auto` fills each panel up to `evaluators_per_case`, least loaded evaluator first.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from handlers.core.audit import Audit
from handlers.core.config import ProgrammeConfig
from handlers.core.context import Context
from handlers.core.errors import CommandError
from handlers.core.lookup import find_person, get_application
from handlers.core.parse import Args
from handlers.core.registry import SECRETARIAT, Commands
from handlers.core.types import Audience, Card, Fact, Notice, Outcome, Table
from handlers.cutoffs.queries import applications_of, find_cutoff, long_date
from handlers.evaluation.balance import (
    Evaluator,
    candidates,
    evaluator_pool,
    panel_history,
    same_country,
)
from handlers.evaluation.notices import case_buttons, summary_card, thread_notice
from handlers.evaluation.panel import OPEN_FOR_SCORING, active_assignments, progress_of
from handlers.evaluation.score_flow import settle_panel
from handlers.reminders.late import late_evaluation, with_late
from storage.models import Application, EvaluatorAssignment

commands = Commands()

USAGE = 'assign REF @person... [override:"reason"] | assign REF auto | assign cutoff:DATE auto'


def add_evaluator(session: Session, config: ProgrammeConfig, app: Application,
                  evaluator: Evaluator, assigned_by: int | None, audit: Audit,
                  override: str | None = None) -> list[Notice]:
    """Put one evaluator on a case's panel; returns the direct notice and the thread post."""
    row = EvaluatorAssignment(application_id=app.id, person_id=evaluator.person_id,
                              active=True, assigned_by=assigned_by,
                              country_override_reason=override)
    session.add(row)
    session.flush()
    audit("assignment", f"{app.ref}:{evaluator.person_id}", "assign", None,
          {"evaluator": evaluator.person_id, "country_override_reason": override})
    evaluator.load += 1
    card = summary_card(app, progress_of(session, app, config))
    direct = Card(title=f"Please evaluate {app.ref}", facts=card.facts[:6],
                  text=card.text, buttons=case_buttons(app.ref),
                  context=("Score with the Score button, or declare a conflict of interest "
                           "if you have one.",))
    return [
        Notice(Audience("person", person_id=evaluator.person_id), direct,
               key=f"evaluator:{evaluator.person_id}:assign:{row.id}", kind="assignment"),
        thread_notice(app, f"assigned:{row.id}", f"{evaluator.name} joins the panel"),
    ]


def _open_case(session: Session, ref: str) -> Application:
    app = get_application(session, ref, for_update=True)
    if app.status not in OPEN_FOR_SCORING:
        raise CommandError(f"{app.ref} is {app.status.replace('_', ' ')}: evaluators are "
                           "assigned while a case is in evaluation", show_usage=False)
    return app


def fill_panel(ctx: Context, app: Application,
               pool: dict[int, Evaluator]) -> tuple[list[str], int, list[Notice]]:
    """Auto-assign up to the panel size: (names added, still missing, notices)."""
    need = ctx.config.evaluators_per_case - len(active_assignments(ctx.session, app.id))
    notices: list[Notice] = []
    names: list[str] = []
    for evaluator in candidates(ctx.session, app, pool)[: max(need, 0)]:
        notices += add_evaluator(ctx.session, ctx.config, app, evaluator,
                                 ctx.actor.person_id, ctx.audit)
        names.append(evaluator.name)
    missing = max(need, 0) - len(names)
    if names:
        notices += settle_panel(ctx.session, app.ref, ctx.config, ctx.audit)
    return names, missing, notices


@commands.command("assign", usage=USAGE, summary="assign evaluators to a case or a cut-off",
                  roles=SECRETARIAT, writes=True)
def assign(ctx: Context, args: Args) -> Outcome:
    args.expect(options={"cutoff", "override"})
    if "cutoff" in args.options:
        if args.positional != ["auto"]:
            raise CommandError("for a whole cut-off use `assign cutoff:DATE auto`")
        return _assign_cutoff(ctx, args.options["cutoff"])
    if len(args.positional) < 2:
        raise CommandError("name the case and the evaluators (or `auto`)")
    app = _open_case(ctx.session, args.positional[0])
    pool = evaluator_pool(ctx.session)
    if [w.lower() for w in args.positional[1:]] == ["auto"]:
        names, missing, added = fill_panel(ctx, app, pool)
        if not names:
            raise CommandError(_shortage(app, missing), show_usage=False)
        return _assigned_reply(ctx, app, names, missing, added)
    override = (args.options.get("override") or "").strip() or None
    chosen = [_check_person(ctx, app, pool, word, override) for word in args.positional[1:]]
    if len({e.person_id for e in chosen}) != len(chosen):
        raise CommandError("the same person is named twice")
    notices: list[Notice] = []
    for evaluator in chosen:
        reason = override if same_country(evaluator.country, app.country_code) else None
        notices += add_evaluator(ctx.session, ctx.config, app, evaluator,
                                 ctx.actor.person_id, ctx.audit, reason)
    notices += settle_panel(ctx.session, app.ref, ctx.config, ctx.audit)
    return _assigned_reply(ctx, app, [e.name for e in chosen], 0, notices)


def _check_person(ctx: Context, app: Application, pool: dict[int, Evaluator], word: str,
                  override: str | None) -> Evaluator:
    person = find_person(ctx.session, word, ctx.actor.platform)
    evaluator = pool.get(person.id)
    if evaluator is None:
        raise CommandError(f"{person.name} is not an evaluator (`role @person evaluator`)",
                           show_usage=False)
    assigned, conflicted = panel_history(ctx.session, app.id)
    if person.id in conflicted:
        raise CommandError(f"{person.name} declared a conflict of interest on {app.ref}",
                           show_usage=False)
    if person.id in assigned:
        active = {a.person_id for a in active_assignments(ctx.session, app.id)}
        where = "already on" if person.id in active else "was taken off"
        raise CommandError(f"{person.name} {where} the panel of {app.ref}", show_usage=False)
    if same_country(evaluator.country, app.country_code) and not override:
        raise CommandError(f"{person.name} is from the applicant's country "
                           f"({app.country_code}); to assign them anyway give "
                           'override:"reason"')
    return evaluator


def _assigned_reply(ctx: Context, app: Application, names: list[str], missing: int,
                    notices: list[Notice]) -> Outcome:
    progress = progress_of(ctx.session, app, ctx.config)
    facts = [Fact("Added", ", ".join(names)),
             Fact("Panel", ", ".join(progress.names.values())),
             Fact("Progress", progress.text)]
    context = (_shortage(app, missing),) if missing else ()
    late = late_evaluation(ctx.session, ctx.config, app.cutoff, ctx.now, "evaluator assigned")
    return with_late(Outcome(Card(title=f"{app.ref}: evaluators assigned", facts=tuple(facts),
                                  context=context, tone="success"), notices=tuple(notices)),
                     late)


def _shortage(app: Application, missing: int) -> str:
    return (f"{app.ref} still needs {missing} evaluator(s): nobody else is free of conflicts "
            "and from another country. Name one with `override:\"reason\"` or add evaluators.")


def _assign_cutoff(ctx: Context, day: str) -> Outcome:
    cutoff = find_cutoff(ctx.session, day)
    cases = applications_of(ctx.session, cutoff, *OPEN_FOR_SCORING)
    if not cases:
        raise CommandError(f"no case of the cut-off of {long_date(cutoff.date)} is in "
                           "evaluation (close it first with `cutoff close DATE`)",
                           show_usage=False)
    pool = evaluator_pool(ctx.session)
    rows, short, notices = [], [], []
    for listed in cases:
        app = get_application(ctx.session, listed.ref, for_update=True)
        names, missing, added = fill_panel(ctx, app, pool)
        notices += added
        if missing:
            short.append(_shortage(app, missing))
        panel = progress_of(ctx.session, app, ctx.config)
        rows.append((app.ref, ", ".join(panel.names.values()) or "-",
                     ", ".join(names) or "-"))
    loads = ", ".join(f"{e.name} {e.load}" for e in sorted(pool.values(),
                                                          key=lambda e: e.name.lower()))
    late = late_evaluation(ctx.session, ctx.config, cutoff, ctx.now, "evaluator assigned")
    return with_late(Outcome(Card(
        title=f"Evaluators for the cut-off of {long_date(cutoff.date)}",
        table=Table(("case", "panel", "added now"), tuple(rows)),
        text=tuple(short), context=(f"Open assignments per evaluator: {loads}",),
        tone="warning" if short else "success"), notices=tuple(notices)), late)
