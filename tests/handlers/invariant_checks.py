"""The workflow's invariants, checked on the store after every command of a random sequence.

1. Every case past evaluation has its scores (every criterion of its cut-off's rubric from
   every active evaluator) or a recorded consensus with a reason for what is missing.
2. Every decided case has a decision record of its outcome, and only decided cases do.
3. Every decided applicant not yet sent a letter for that outcome is in `pending`, and no
   letter is sent before its decision is announced.
4. No case is ever lost from a cut-off's counts.
Also: `status` made only moves that record nothing; a new case never joined a decided
cut-off; a decided case keeps the total and the pass or fail it was decided on.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from fractions import Fraction

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Outcome
from handlers.cutoffs.overview import STAGE_OF, stage_counts
from handlers.cutoffs.placement import is_decided
from handlers.evaluation.aggregate import aggregate_case
from handlers.evaluation.panel import load_panel
from handlers.evaluation.rubric_versions import case_rubric
from storage.models import (
    ApplicantNotification,
    Application,
    AuditEntry,
    ConsensusScore,
    Cutoff,
    Decision,
)
from storage.status import PLAIN_MOVES, STATUSES

PAST_EVALUATION = frozenset({"scored", "approved", "rejected", "reserve", "expert_matching",
                             "co_design", "in_delivery", "completed"})
OUTCOME_OF = {"ineligible": "ineligible", "rejected": "reject", "reserve": "reserve",
              **dict.fromkeys(("approved", "expert_matching", "co_design", "in_delivery",
                               "completed"), "approve")}


class Checker:
    def __init__(self, db: object, desk: Desk, config: ProgrammeConfig) -> None:
        self.db = desk.db
        self.desk = desk
        self.config = config
        # ref -> (total, passed) when first seen decided on merit
        self.decided_on: dict[str, tuple[Fraction, bool]] = {}

    def cutoff_days(self) -> list[dt.date]:
        with self.db.read() as session:
            return list(session.scalars(select(Cutoff.date).order_by(Cutoff.date)))

    # --- checks right after one command -------------------------------------------------------

    def registered(self, ref: str) -> None:
        """A new case joined a cut-off whose decisions were not taken (before it joined)."""
        with self.db.read() as session:
            app = session.scalar(select(Application).where(Application.ref == ref))
            assert app is not None
            assert app.cutoff.announced_at is None, f"{ref} joined an announced cut-off"
            assert not is_decided(session, app.cutoff), f"{ref} joined a decided cut-off"

    def status_command(self, ref: str, outcome: Outcome, wanted: str) -> None:
        if outcome.reply.tone != "success":
            return
        with self.db.read() as session:
            entry = session.scalar(
                select(AuditEntry).where(AuditEntry.entity == "application",
                                         AuditEntry.entity_id == ref,
                                         AuditEntry.action == "status")
                .order_by(AuditEntry.id.desc()).limit(1))
        assert entry is not None and entry.before and entry.after
        move = (entry.before["status"], entry.after["status"])
        assert move in PLAIN_MOVES and move[1] == wanted, f"`status` made {move} on {ref}"

    # --- the invariants -----------------------------------------------------------------------

    def check(self, now: datetime, refs: list[str]) -> set[str]:
        """Assert every invariant; the statuses (and `told`) the programme has reached."""
        with self.db.read() as session:
            apps = list(session.scalars(select(Application).order_by(Application.ref)))
            self._nothing_lost(session, apps, refs)
            decisions = {d.application_id: d for d in session.scalars(select(Decision))}
            letters = {n.application_id: n for n in
                       session.scalars(select(ApplicantNotification))}
            waiting = set()
            for app in apps:
                decision = decisions.get(app.id)
                self._decision_matches(app, decision)
                if app.status in PAST_EVALUATION:
                    self._evaluated(session, app)
                if decision is not None and self._not_told(app, decision,
                                                           letters.get(app.id)):
                    waiting.add(app.ref)
        shown = self._pending(now)
        assert waiting == shown, f"not told but not pending: {waiting - shown}; " \
                                 f"pending but told: {shown - waiting}"
        told = {"told"} if any(n.sent_at for n in letters.values()) else set()
        return {a.status for a in apps} | told

    def _nothing_lost(self, session: Session, apps: list[Application], refs: list[str]) -> None:
        assert {a.ref for a in apps} >= set(refs), "a registered case disappeared"
        assert all(a.status in STATUSES and a.status in STAGE_OF for a in apps)
        ids = list(session.scalars(select(Cutoff.id)))
        counts = stage_counts(session, ids)
        per_cutoff = dict(session.execute(select(Application.cutoff_id, func.count())
                                          .group_by(Application.cutoff_id)).all())
        for cutoff_id in ids:
            assert sum(counts.get(cutoff_id, {}).values()) == per_cutoff.get(cutoff_id, 0)
        assert sum(sum(c.values()) for c in counts.values()) == len(apps)

    def _decision_matches(self, app: Application, decision: Decision | None) -> None:
        wanted = OUTCOME_OF.get(app.status)
        if wanted is None:
            assert decision is None, f"{app.ref} is {app.status} with a decision"
        else:
            assert decision is not None, f"{app.ref} is {app.status} without a decision"
            assert decision.outcome == wanted, (app.ref, app.status, decision.outcome)
            assert decision.reason.strip(), f"{app.ref}: a decision without a reason"

    def _evaluated(self, session: Session, app: Application) -> None:
        assert app.cutoff.rubric_version is not None, f"{app.ref}: scored on no kept rubric"
        rubric = case_rubric(session, app)
        panel = load_panel(session, app, self.config)
        consensus = session.get(ConsensusScore, app.id)
        agreed = consensus.values if consensus is not None else {}
        assert consensus is None or consensus.reason.strip()
        scored = {s.person_id: s.values for s in panel.scores}
        active = panel.progress.active
        assert len(active) >= self.config.evaluators_per_case or agreed, app.ref
        for criterion in rubric.criteria:
            if criterion.key in agreed:
                continue
            missing = [p for p in active if scored.get(p, {}).get(criterion.key) is None]
            assert not missing, f"{app.ref}: {criterion.key} not scored by {missing}"
        if app.status != "scored":
            agg = aggregate_case(session, app, self.config)
            seen = self.decided_on.setdefault(app.ref, (agg.total, agg.passed))
            assert seen == (agg.total, agg.passed), f"{app.ref}: decided on {seen}, now " \
                                                    f"{(agg.total, agg.passed)}"

    def _not_told(self, app: Application, decision: Decision,
                  letter: ApplicantNotification | None) -> bool:
        if letter is not None and letter.sent_at is not None and \
                letter.outcome == decision.outcome:
            assert decision.announced_at is not None, f"{app.ref}: told before announced"
            assert letter.sent_at >= decision.announced_at, f"{app.ref}: told too early"
            return False
        if decision.announced_at is not None:
            assert letter is not None and letter.outcome == decision.outcome, \
                f"{app.ref}: announced without its letter"
        return True

    def _pending(self, now: datetime) -> set[str]:
        reply = self.desk.handle(Inbound(platform="console", user_id="obs", text="pending",
                                         now=now)).reply
        if reply.table is None:
            assert reply.tone == "success", reply
            return set()
        return {row[0] for row in reply.table.rows}
