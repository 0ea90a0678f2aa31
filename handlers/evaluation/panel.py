"""The evaluation panel of one case: who is assigned, who has scored, and who may see what.

Blind scoring lives here: until every active evaluator has scored, only the secretariat sees
score values; an evaluator sees their own; everyone who may see the case sees the progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.types import Actor
from storage.models import Application, EvaluatorAssignment, Person, Role, Score

# Past scoring: a decision exists, so values are no longer blind to anyone who sees the case.
DECIDED_STATUSES = frozenset({"approved", "rejected", "reserve", "expert_matching",
                              "co_design", "in_delivery", "completed"})
OPEN_FOR_SCORING = frozenset({"in_evaluation", "scored"})


@dataclass(frozen=True)
class Progress:
    """`scored` of `required`: the panel needs at least `evaluators_per_case` evaluators."""

    active: tuple[int, ...]
    scored_by: frozenset[int]
    required: int
    names: dict[int, str] = field(default_factory=dict, compare=False)

    @property
    def scored(self) -> int:
        return len(self.scored_by)

    @property
    def complete(self) -> bool:
        return len(self.active) >= self.required and self.scored == len(self.active)

    @property
    def text(self) -> str:
        return f"{self.scored} of {self.required} scored"


def active_assignments(session: Session, application_id: int) -> list[EvaluatorAssignment]:
    return list(session.scalars(
        select(EvaluatorAssignment)
        .where(EvaluatorAssignment.application_id == application_id,
               EvaluatorAssignment.active.is_(True))
        .order_by(EvaluatorAssignment.id)
    ))


def counted_scores(session: Session, application_id: int) -> list[Score]:
    """Scores that count: not excluded, from evaluators still actively assigned."""
    return list(session.scalars(
        select(Score)
        .join(EvaluatorAssignment, (EvaluatorAssignment.application_id == Score.application_id)
              & (EvaluatorAssignment.person_id == Score.person_id))
        .where(Score.application_id == application_id, Score.excluded.is_(False),
               EvaluatorAssignment.active.is_(True))
        .order_by(Score.id)
    ))


class PanelScore(NamedTuple):
    """A score that counts, as the panel reads it: the columns a card or an aggregate uses."""

    id: int
    person_id: int
    values: dict[str, Any]
    comment: str


@dataclass(frozen=True)
class Panel:
    """A case's panel as read in one statement: the progress, the scores that count (by
    submission order) and whether anyone was ever assigned, even if since taken off."""

    progress: Progress
    scores: tuple[PanelScore, ...]
    ever_assigned: bool


# Every assignment with its evaluator's name and counted score (if any): the unique
# (application, person) pairs on both tables make this one row per assignment. Built once:
# every card and every score reads it. The score's columns, not the entity: nothing here
# changes a score, and loading entities cost a card more than the rest of this read.
_ASSIGNED = (
    select(EvaluatorAssignment.application_id, EvaluatorAssignment.person_id,
           EvaluatorAssignment.active, Person.name, Score.id.label("score_id"),
           Score.values.label("score_values"), Score.comment.label("score_comment"))
    .join(Person, Person.id == EvaluatorAssignment.person_id)
    .outerjoin(Score, (Score.application_id == EvaluatorAssignment.application_id)
               & (Score.person_id == EvaluatorAssignment.person_id)
               & Score.excluded.is_(False))
    .order_by(EvaluatorAssignment.id)
)
_PANEL = _ASSIGNED.where(EvaluatorAssignment.application_id == bindparam("application_id"))


def load_panel(session: Session, app: Application, config: ProgrammeConfig) -> Panel:
    return _panel_of(session.execute(_PANEL, {"application_id": app.id}).all(), config)


def load_panel_and_sequence(session: Session, app: Application,
                            config: ProgrammeConfig) -> tuple[Panel, int]:
    """The panel and its `panel_sequence`, in one read when the case has a panel."""
    rows = session.execute(_PANEL_AND_SEQUENCE, {"application_id": app.id}).all()
    sequence = rows[0].sequence if rows else panel_sequence(session, app.id)
    return _panel_of(rows, config), int(sequence)


def progress_of_cases(session: Session, application_ids: list[int],
                      config: ProgrammeConfig) -> dict[int, Progress]:
    """The progress of many cases, read in one statement."""
    rows: dict[int, list[Any]] = {i: [] for i in application_ids}
    if application_ids:
        wanted = EvaluatorAssignment.application_id.in_(application_ids)
        for row in session.execute(_ASSIGNED.where(wanted)):
            rows[row.application_id].append(row)
    return {app_id: _panel_of(found, config).progress for app_id, found in rows.items()}


def _panel_of(rows: Sequence[Any], config: ProgrammeConfig) -> Panel:
    active = [(row.person_id, row.name, None if row.score_id is None else
               PanelScore(row.score_id, row.person_id, row.score_values, row.score_comment))
              for row in rows if row.active]
    scores = sorted((score for _, _, score in active if score is not None),
                    key=lambda score: score.id)
    required = max(len(active), config.evaluators_per_case)
    progress = Progress(tuple(pid for pid, _, _ in active),
                        frozenset(score.person_id for score in scores), required,
                        {pid: name for pid, name, _ in active})
    return Panel(progress, tuple(scores), bool(rows))


def progress_of(session: Session, app: Application, config: ProgrammeConfig) -> Progress:
    return load_panel(session, app, config).progress


_VERSIONS = (select(func.coalesce(func.sum(Score.version), 0))
             .where(Score.application_id == bindparam("application_id")).scalar_subquery())
# each assignment counts once, and once more when taken off the panel
_ASSIGNMENTS = (select(func.count(EvaluatorAssignment.id)
                       + func.coalesce(func.sum(case((EvaluatorAssignment.active.is_(False), 1),
                                                     else_=0)), 0))
                .where(EvaluatorAssignment.application_id == bindparam("application_id"))
                .scalar_subquery())
_SEQUENCE = select(_VERSIONS + _ASSIGNMENTS)
_PANEL_AND_SEQUENCE = _PANEL.add_columns((_VERSIONS + _ASSIGNMENTS).label("sequence"))


def panel_sequence(session: Session, application_id: int) -> int:
    """A number that grows with every change to the panel, so each progress edit of the
    thread root gets its own outbox key (a repeated key would be dropped as a duplicate)."""
    return int(session.scalar(_SEQUENCE, {"application_id": application_id}) or 0)


ScoreSight = Literal["all", "own", "none"]


def score_sight(app: Application, viewer: Actor | None, progress: Progress) -> ScoreSight:
    """Which score values `viewer` may see on this case (None: a post many people read)."""
    if viewer is not None and viewer.has(Role.SECRETARIAT):
        return "all"
    finished = progress.complete or app.status in DECIDED_STATUSES
    on_panel = viewer is not None and viewer.person_id in progress.active
    if finished and (viewer is None or on_panel or viewer.has(Role.OBSERVER)):
        return "all"
    return "own" if on_panel and not finished else "none"
