"""Demo evaluation: panels (one with a declared conflict), scores, decisions and letters.

Scored and later cases get every criterion from every active evaluator; one case per
cut-off has scores far apart (the past one with a recorded consensus). As `announce` does,
a letter exists only once its decision is announced: the past cut-off was announced at one
moment and its letters sent after it (one is late); the current one is not announced yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.demo.names import REASONS
from bot.demo.world import DemoCase, World
from storage.models import (
    ApplicantNotification,
    Application,
    ConflictDeclaration,
    ConsensusScore,
    Decision,
    EvaluatorAssignment,
    Person,
    Score,
)
from storage.rubric import latest_version


class EvaluationBuilder:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.load = {p.id: 0 for p in world.evaluators}
        self.seen: dict[str, int] = {}
        # active evaluators of each case, by application id
        self.panels: dict[int, list[int]] = {}

    def assign_panel(self, app: Application, case: DemoCase, at: datetime) -> None:
        world = self.world
        eligible = sorted((p for p in world.evaluators if p.country_code != app.country_code),
                          key=lambda p: (self.load[p.id], p.id))
        # one case of the current cut-off shows a declared conflict and its replacement
        conflicted = case.phase == "current" and self._first("conflict", case)
        panel = eligible[: world.config.evaluators_per_case + (1 if conflicted else 0)]
        rows = []
        for person in panel:
            self.load[person.id] += 1
            rows.append(EvaluatorAssignment(application_id=app.id, person_id=person.id,
                                            assigned_at=at, assigned_by=world.secretariat[0].id))
            world.audit(at, world.secretariat[0])("assignment", f"{app.ref}:{person.id}",
                                                  "assign", None, {"evaluator": person.id})
        world.session.add_all(rows)
        if conflicted:
            self._declare_conflict(app, rows[0], panel[0], at + timedelta(days=2))
        self.panels[app.id] = sorted(row.person_id for row in rows if row.active is not False)

    def _declare_conflict(self, app: Application, row: EvaluatorAssignment, person: Person,
                          at: datetime) -> None:
        world = self.world
        at = min(at, world.now - timedelta(minutes=30))
        row.active = False
        row.removed_reason = "declared a conflict of interest"
        reason = "Advised the applicant on its strategy two years ago."
        world.session.add(ConflictDeclaration(application_id=app.id, person_id=person.id,
                                              declared_at=at, reason=reason))
        world.audit(at, person)("conflict", f"{app.ref}:{person.id}", "declare", None,
                                {"reason": reason})

    def _panel(self, app: Application) -> list[int]:
        return self.panels.get(app.id, [])

    def full_scores(self, app: Application, case: DemoCase, start: datetime,
                     end: datetime) -> None:
        panel = self._panel(app)
        divergent = self._first("divergent", case)
        for index, person_id in enumerate(panel):
            values = self._values(case.status)
            if divergent:
                values[self.world.criteria[-1]] = 5 if index == 0 else 1
            at = start + (end - start) * ((index + 1) / (len(panel) + 1))
            self._score(app, person_id, values, at)
        if divergent and case.phase == "past":
            agreed = {k: 3 if k == self.world.criteria[-1] else v for k, v in values.items()}
            self.world.session.add(ConsensusScore(
                application_id=app.id, values=agreed, recorded_at=end,
                reason="Agreed in the case thread: impact is plausible but not shown.",
                recorded_by=self.world.secretariat[0].id))

    def partial_scores(self, app: Application, since: datetime) -> None:
        panel = self._panel(app)
        done = self.seen.setdefault("partial", 0) % 2
        self.seen["partial"] += 1
        for index, person_id in enumerate(panel[:done]):
            at = since + (self.world.now - since) * ((index + 1) / 3)
            self._score(app, person_id, self._values("in_evaluation"), at)

    def _values(self, status: str) -> dict[str, int]:
        low, high = {"rejected": (1, 3), "reserve": (3, 4), "scored": (2, 5),
                     "in_evaluation": (1, 5)}.get(status, (3, 5))
        return {key: self.rng.randint(low, high) for key in self.world.criteria}

    def _score(self, app: Application, person_id: int, values: dict[str, int],
               at: datetime) -> None:
        world = self.world
        if app.cutoff.rubric_version is None:
            # as a first score does: the cut-off keeps the rubric its scoring started on
            app.cutoff.rubric_version = latest_version(world.session)
        world.session.add(Score(application_id=app.id, person_id=person_id, values=values,
                                comment="", submitted_at=at))
        world.audit(at, person_id)("score", f"{app.ref}:{person_id}", "submit", None,
                                   {"values": values, "comment": "", "version": 1,
                                    "excluded": False})

    def decide(self, app: Application, case: DemoCase, outcome: str, at: datetime) -> None:
        world = self.world
        secretariat = world.secretariat[0]
        # screened-out cases are told with the others, at the cut-off's announcement
        announced = world.announcement(case.phase)
        world.session.add(Decision(application_id=app.id, outcome=outcome,
                                   reason=REASONS[outcome], decided_by=secretariat.id,
                                   decided_at=at, announced_at=announced))
        world.audit(at, secretariat)("decision", app.ref, "decide", None,
                                     {"outcome": outcome, "reason": REASONS[outcome],
                                      "revision": 1})
        if announced is None:
            return  # no letter before the announcement drafts it
        if case.cutoff.announced_at is None:
            case.cutoff.announced_at = announced
            world.audit(announced, secretariat)("cutoff", case.cutoff.date.isoformat(),
                                                "announce", {"announced_at": None},
                                                {"announced_at": announced.isoformat()})
        late = outcome == "reject" and self._first("late letter", case)
        sent = min(announced + timedelta(days=1 + self.rng.randrange(5), hours=2),
                   world.now - timedelta(minutes=30))
        world.session.add(ApplicantNotification(
            application_id=app.id, outcome=outcome,
            subject=f"Your Targeted Support application {app.ref}",
            body=_letter(app, outcome), drafted_at=announced,
            sent_at=None if late else sent, sent_how=None if late else "email",
            sent_by=None if late else secretariat.id))

    def _first(self, what: str, case: DemoCase) -> bool:
        key = f"{what}:{case.phase}"
        self.seen[key] = self.seen.get(key, 0) + 1
        return self.seen[key] == 1


def _letter(app: Application, outcome: str) -> str:
    verdict = {
        "approve": "we are glad to tell you that your request for a Targeted Assignment has "
                   "been approved. The Secretariat will contact you to match an expert.",
        "reject": "after evaluation, your request could not be selected in this cut-off.",
        "reserve": "your request has been placed on the waiting list of this cut-off.",
        "ineligible": "your request does not meet the eligibility conditions.",
    }[outcome]
    return (f"Dear {app.contact_name},\n\nthank you for your Expression of Interest {app.ref}: "
            f"{verdict}\n\nReason: {REASONS[outcome]}\n\nThe S3 CoP Secretariat")
