"""What the evaluation places see of a case: the thread root, its edits, and posts in the
thread. None of these carry contact data, and none carry score values while the panel is
still scoring (the thread is read by every evaluator of the programme). Once the case is
decided the root shows the outcome and the panel's aggregate (means, total, verdict), never
one evaluator's values.

`summary_card` is the one builder of the root card: the opening post, every progress edit
and every decision edit go through it, so the root never loses a fact between edits.
"""

from __future__ import annotations

import dataclasses
from datetime import tzinfo
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Audience, Button, Card, Fact, Notice, Tone
from handlers.cutoffs.queries import long_date
from handlers.evaluation.aggregate import aggregate_case, summary_lines
from handlers.evaluation.panel import (
    OPEN_FOR_SCORING,
    Progress,
    progress_of,
    progress_of_cases,
    score_sight,
)
from storage.models import Application, Decision

EVALUATION = Audience("places", purpose="evaluation")
NEEDS_SHOWN = 500
DECISION_WORDS = {"approve": "approved", "reject": "rejected", "reserve": "reserve list",
                  "ineligible": "ineligible"}
DecisionEvent = Literal["decided", "announced"]


def thread_key(ref: str) -> str:
    return f"case:{ref}"


def root_key(ref: str) -> str:
    return f"case:{ref}:post"


def case_buttons(ref: str) -> tuple[Button, ...]:
    return (Button("Score", f"score {ref}", "primary"),
            Button("Declare conflict", f"coi {ref}"),
            Button("Show", f"show {ref}"))


def decision_text(decision: Decision, timezone: tzinfo) -> str:
    words = DECISION_WORDS.get(decision.outcome, decision.outcome)
    if decision.announced_at is None:
        return f"{words} (not announced yet)"
    return f"{words} (announced {long_date(decision.announced_at.astimezone(timezone).date())})"


def summary_card(app: Application, progress: Progress, *, decision: str | None = None,
                 results: tuple[str, ...] = ()) -> Card:
    """The root card. `results` are aggregate lines, given only when the blind rules let a
    channel see them; `decision` (see `decision_text`) once the case is decided."""
    region = app.region
    facts = [
        Fact("Organisation", app.applicant_organisation),
        Fact("Region", f"{region.name} ({app.region_code})"),
        Fact("Topic", app.topic),
        Fact("Challenges", ", ".join(app.challenges or []) or "none declared"),
        Fact("Category", (app.cohesion_confirmed or app.cohesion_declared or "not known")
             .replace("_", " ")),
        Fact("Cut-off", long_date(app.cutoff.date)),
        Fact("Status", app.status.replace("_", " ")),
        Fact("Progress", progress.text),
    ]
    if decision is not None:
        facts.append(Fact("Decision", decision))
    needs = app.needs or ""
    if len(needs) > NEEDS_SHOWN:
        needs = needs[: NEEDS_SHOWN - 1].rstrip() + "…"
    # past scoring, Score and Declare conflict would only be refused
    buttons = case_buttons(app.ref) if app.status in OPEN_FOR_SCORING else \
        (Button("Show", f"show {app.ref}"),)
    return Card(title=f"{app.ref}: {app.applicant_organisation}", facts=tuple(facts),
                text=((needs,) if needs else ()) + results, buttons=buttons)


def opening_notice(app: Application, progress: Progress) -> Notice:
    """The case's root post in the evaluation places; its thread is the case's thread."""
    return Notice(EVALUATION, summary_card(app, progress), key=root_key(app.ref),
                  kind="case", thread_key=thread_key(app.ref), starts_thread=True)


def case_roots(session: Session, config: ProgrammeConfig, platform: str,
               channel_id: str) -> list[Notice]:
    """The root post in one evaluation place of every case in evaluation now."""
    cases = list(session.scalars(
        select(Application).where(Application.status.in_(OPEN_FOR_SCORING))
        .order_by(Application.ref)
    ))
    progress = progress_of_cases(session, [app.id for app in cases], config)
    audience = dataclasses.replace(EVALUATION, channel=(platform, channel_id))
    return [dataclasses.replace(opening_notice(app, progress[app.id]), audience=audience)
            for app in cases]


def progress_notice(app: Application, progress: Progress, sequence: int) -> Notice:
    """Edit the root post so it shows the current progress (never the values)."""
    return Notice(EVALUATION, summary_card(app, progress),
                  key=f"case:{app.ref}:progress:{sequence}", kind="case_progress",
                  thread_key=thread_key(app.ref), edit_of=root_key(app.ref))


def decision_notices(session: Session, app: Application, config: ProgrammeConfig,
                     decision: Decision, event: DecisionEvent) -> list[Notice]:
    """A decision (or its announcement) in the case's thread: the root shows the outcome,
    and a post in the thread says what happened. Keyed by the decision's revision, so a
    revised decision edits the root again."""
    session.flush()  # the revision of a new decision is set on insert
    progress = progress_of(session, app, config)
    results: tuple[str, ...] = ()
    if progress.scored and score_sight(app, None, progress) == "all":
        results = summary_lines(aggregate_case(session, app, config))
    card = summary_card(app, progress, decision=decision_text(decision, config.timezone),
                        results=results)
    revision = decision.revision
    edit = Notice(EVALUATION, card, key=f"case:{app.ref}:{event}:{revision}",
                  kind="case_progress", thread_key=thread_key(app.ref),
                  edit_of=root_key(app.ref))
    words = DECISION_WORDS.get(decision.outcome, decision.outcome)
    if event == "decided":
        again = " (revised)" if revision > 1 else ""
        post = thread_notice(
            app, f"decision:{revision}", f"decision recorded{again}: {words}",
            text=(f"Reason: {decision.reason}",
                  "The applicant is told when the cut-off's decisions are announced."),
            tone="success")
    else:
        post = thread_notice(app, f"announcement:{revision}", f"decision announced: {words}",
                             text=("The applicant's letter is being sent by the "
                                   "secretariat.",), tone="success")
    return [edit, post]


def thread_notice(app: Application, what: str, title: str, *, text: tuple[str, ...] = (),
                  tone: Tone = "info", buttons: tuple[Button, ...] = ()) -> Notice:
    """A post in the case's thread; `what` makes its key unique (e.g. `complete:7`)."""
    card = Card(title=f"{app.ref}: {title}", text=text, tone=tone, buttons=buttons)
    return Notice(EVALUATION, card, key=f"case:{app.ref}:{what}", kind="case_thread",
                  thread_key=thread_key(app.ref))
