"""Recording a score and settling the panel: the one place a case becomes `scored`.

`settle_panel` locks the case row before it counts, so when the last two evaluators submit
at the same moment exactly one of them sees the set complete (under READ COMMITTED without
the lock each sees only its own score, and the case would never be marked scored). The lock
is FOR NO KEY UPDATE: inserting a score already holds a key-share lock on the case through
the foreign key, and a plain FOR UPDATE would deadlock against the other submitter's.
A command that locked the case itself before writing (`score` does, first thing, so two
submitters queue there) hands the locked case to `settle_locked_panel` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.core.audit import Audit, move_status
from handlers.core.config import ProgrammeConfig
from handlers.core.errors import NotFound
from handlers.core.types import Notice
from handlers.evaluation.aggregate import aggregate_scores, summary_lines
from handlers.evaluation.divergence import consensus_request
from handlers.evaluation.notices import progress_notice, thread_notice
from handlers.evaluation.panel import Progress, load_panel_and_sequence
from handlers.evaluation.rubric_versions import Criterion, case_rubric
from storage.models import Application, ConsensusScore, Score


def lock_case(session: Session, ref: str) -> Application:
    app = session.scalar(
        select(Application).where(Application.ref == ref)
        .with_for_update(of=Application, key_share=True)
        .execution_options(populate_existing=True)
    )
    if app is None:
        raise NotFound(f"No application `{ref}`.")
    return app


def store_score(session: Session, app: Application, person_id: int, own: Score | None,
                values: dict[str, int], comment: str, now: datetime, audit: Audit) -> Score:
    """Insert or revise one evaluator's score (the version grows with each revision);
    `own` is their score as the caller read it under the case's lock, None if none yet."""
    score = own
    entity = f"{app.ref}:{person_id}"
    if score is None:
        score = Score(application_id=app.id, person_id=person_id, values=values,
                      comment=comment, submitted_at=now)
        session.add(score)
        session.flush()
        audit("score", entity, "submit", None, _snapshot(score))
        return score
    before = _snapshot(score)
    score.values = dict(values)
    score.comment = comment
    score.submitted_at = now
    session.flush()
    audit("score", entity, "revise", before, _snapshot(score))
    return score


def _snapshot(score: Score) -> dict[str, Any]:
    return {"values": dict(score.values), "comment": score.comment, "version": score.version,
            "excluded": score.excluded}


@dataclass(frozen=True)
class Settled:
    notices: list[Notice]
    progress: Progress


def settle_panel(session: Session, ref: str, config: ProgrammeConfig,
                 audit: Audit) -> list[Notice]:
    """After any change to a case's panel or scores: lock the case, then settle it."""
    return settle_locked_panel(session, lock_case(session, ref), config, audit).notices


def settle_locked_panel(session: Session, app: Application, config: ProgrammeConfig,
                        audit: Audit,
                        criteria: Sequence[Criterion] | None = None) -> Settled:
    """Mark the case scored (once) or reopened, edit the case's root post with the progress,
    and ask for a consensus when a complete panel's scores diverge (once per episode).
    Values appear in the thread only once all are in. The caller holds the case's row lock
    already (taken before it wrote, as `score` does); `criteria` is the rubric it read."""
    panel, sequence = load_panel_and_sequence(session, app, config)
    progress = panel.progress
    notices: list[Notice] = []
    if progress.complete and app.status in ("in_evaluation", "scored"):
        agg = aggregate_scores(case_rubric(session, app).criteria if criteria is None
                               else criteria,
                               panel.scores, session.get(ConsensusScore, app.id), config)
        if app.status == "in_evaluation":
            move_status(app, "scored", audit)
            notices.append(thread_notice(app, f"complete:{sequence}", "scoring complete",
                                         text=(progress.text, *summary_lines(agg)),
                                         tone="success"))
        request = consensus_request(session, app, agg, audit)
        if request is not None:
            notices.append(request)
    elif not progress.complete and app.status == "scored":
        move_status(app, "in_evaluation", audit,
                    "the panel changed; waiting for the new evaluator's score")
        notices.append(thread_notice(app, f"reopened:{sequence}", "scoring reopened",
                                     text=(progress.text,)))
    notices.insert(0, progress_notice(app, progress, sequence))
    return Settled(notices, progress)
