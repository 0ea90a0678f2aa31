"""The evaluation part of the shared case card (`show`), blind until all scores are in.

The secretariat always sees values; an evaluator on the panel sees their own until the
panel is complete; observers and channel posts see values only once it is. Everyone who
may see the case sees the progress.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from handlers.cases.card import CaseView, case_section
from handlers.core.types import Actor, Button, Fact
from handlers.evaluation.aggregate import aggregate, summary_lines
from handlers.evaluation.panel import (
    OPEN_FOR_SCORING,
    Panel,
    PanelScore,
    Progress,
    load_panel,
    score_sight,
)
from handlers.evaluation.rubric_versions import Rubric, case_rubric
from storage.db import core_rows_as
from storage.models import (
    ApplicantNotification,
    Application,
    ConsensusScore,
    Decision,
    Role,
)

BEFORE_EVALUATION = frozenset({"received", "screening", "eligible", "ineligible", "withdrawn"})
# The section has no programme config of its own; the panel size is the programme default.

# The case's decision, its letter and any consensus: each is one row per application at
# most, so one read serves the values, the aggregate and the decision facts. Only the
# columns the card shows: the letter's text, for one, stays in the store.
_OUTCOME = (
    select(Decision.outcome, Decision.reason, Decision.announced_at, Decision.revision,
           ApplicantNotification.id, ApplicantNotification.sent_at,
           ApplicantNotification.sent_how, ConsensusScore.values, ConsensusScore.reason)
    .select_from(Application)
    .outerjoin(Decision, Decision.application_id == Application.id)
    .outerjoin(ApplicantNotification, ApplicantNotification.application_id == Application.id)
    .outerjoin(ConsensusScore, ConsensusScore.application_id == Application.id)
    .where(Application.id == bindparam("application_id"))
)


class CaseOutcome(NamedTuple):
    """`_OUTCOME`'s row, in its column order: None where the case has no such record yet."""

    decision: str | None
    decision_reason: str | None
    announced_at: datetime | None
    revision: int | None
    letter_id: int | None
    letter_sent_at: datetime | None
    letter_sent_how: str | None
    consensus: dict[str, Any] | None
    consensus_reason: str | None


@case_section(50)
def evaluation_section(session: Session, app: Application, viewer: Actor | None,
                       view: CaseView) -> None:
    # One read of the panel serves the progress, the scores and the question whether a
    # case not yet in evaluation has a panel already.
    panel = load_panel(session, app, view.config)
    [outcome] = core_rows_as(session, _OUTCOME, {"application_id": app.id}, CaseOutcome)
    if app.status not in BEFORE_EVALUATION or panel.ever_assigned:
        _scores(session, app, viewer, view, panel, outcome)
    _decision(outcome, viewer, view)


def _scores(session: Session, app: Application, viewer: Actor | None, view: CaseView,
            panel: Panel, outcome: CaseOutcome) -> None:
    progress, scores = panel.progress, panel.scores
    rubric = case_rubric(session, app)
    view.facts.append(Fact("Scoring", progress.text))
    view.facts.append(Fact("Rubric", rubric.label))
    if viewer is not None and viewer.has(Role.SECRETARIAT, Role.OBSERVER) and progress.names:
        view.facts.append(Fact("Panel", ", ".join(progress.names.values())))
    sight = score_sight(app, viewer, progress)
    if sight == "all":
        if scores:
            _values(progress, scores, outcome, view, rubric)
        if not progress.complete and app.status in OPEN_FOR_SCORING:
            view.context.append("Score values are hidden from everyone but the secretariat "
                                "until every evaluator has scored.")
    elif sight == "own" and viewer is not None:
        own = next((s for s in scores if s.person_id == viewer.person_id), None)
        mine = ", ".join(f"{c.label} {own.values.get(c.key, '-')}"
                         for c in rubric.criteria) if own else "not given yet"
        view.facts.append(Fact("Your score", mine))
        view.context.append("Other evaluators' scores stay hidden until all are in.")
    elif app.status in OPEN_FOR_SCORING:
        view.context.append("Score values stay hidden until every evaluator has scored.")
    _buttons(app, viewer, progress, view)


def _values(progress: Progress, scores: tuple[PanelScore, ...], outcome: CaseOutcome,
            view: CaseView, rubric: Rubric) -> None:
    """Each evaluator's values, the aggregate and any consensus: the case's rubric, read
    once, is shared by the lines and the aggregate."""
    criteria = rubric.criteria
    for score in scores:
        name = progress.names.get(score.person_id, "former evaluator")
        values = ", ".join(f"{c.label} {score.values.get(c.key, '-')}" for c in criteria)
        comment = f" ({score.comment})" if score.comment else ""
        view.text.append(f"{name}: {values}{comment}")
    agg = aggregate(criteria, [score.values for score in scores], outcome.consensus,
                    view.config.divergence_spread)
    view.text.extend(summary_lines(agg))
    if agg.divergent:
        view.facts.append(Fact("Divergence", ", ".join(
            f"{c.key} ({'consensus recorded' if c.agreed else 'consensus needed'})"
            for c in agg.criteria if c.diverges)))
    if outcome.consensus is not None:
        view.text.append(f"Consensus: {outcome.consensus_reason}")


def _buttons(app: Application, viewer: Actor | None, progress: Progress,
             view: CaseView) -> None:
    if viewer is None or app.status not in OPEN_FOR_SCORING:
        return
    if viewer.person_id in progress.active:
        view.buttons.append(Button("Score", f"score {app.ref}", "primary"))
        view.buttons.append(Button("Declare conflict", f"coi {app.ref}"))
    elif viewer.has(Role.SECRETARIAT) and len(progress.active) < progress.required:
        view.buttons.append(Button("Assign evaluators", f"assign {app.ref} auto"))


def _decision(outcome: CaseOutcome, viewer: Actor | None, view: CaseView) -> None:
    if outcome.decision is None:
        return
    announced = "announced" if outcome.announced_at else "not announced yet"
    revision = f", revision {outcome.revision}" if (outcome.revision or 1) > 1 else ""
    view.facts.append(Fact("Decision", f"{outcome.decision} ({announced}{revision})"))
    view.facts.append(Fact("Decision reason", outcome.decision_reason or ""))
    if viewer is None or not viewer.has(Role.SECRETARIAT, Role.OBSERVER):
        return
    if outcome.letter_id is None:
        state = "not yet (drafted at the announcement)"
    elif outcome.letter_sent_at is None:
        state = "letter drafted, not sent yet"
    else:
        how = f" ({outcome.letter_sent_how})" if outcome.letter_sent_how else ""
        state = f"yes, {outcome.letter_sent_at:%Y-%m-%d}{how}"
    view.facts.append(Fact("Applicant informed", state))
