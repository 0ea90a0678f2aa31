"""Each demo application walked through its life: screening, evaluation, decision, delivery.

Every status is reached by the allowed transitions (with their audit rows), and each stage
leaves what the workflow needs behind it: scored cases have every criterion from every
active evaluator, decided cases a decision and a letter, delivered ones an expert and
milestones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.demo.delivery import DeliveryBuilder
from bot.demo.evaluation import EvaluationBuilder
from bot.demo.names import NOTES, REASONS, email_for, org_domain
from bot.demo.regions import CATEGORY_OF
from bot.demo.world import SOURCE, DemoCase, World
from handlers.cases.intake import create_application
from handlers.cases.intake_fields import IntakeFields
from handlers.core.audit import move_status
from storage.models import CHALLENGES, TOPICS, Application, Note

CONTACT_FIRST_NAMES = ("Ana", "Luka", "Mia", "Petra", "Tomas", "Irena", "Mateo", "Lea")
# the statuses a case passes through after `received`, to reach each final status
_EVALUATED = ("screening", "eligible", "in_evaluation", "scored")
PATHS: dict[str, tuple[str, ...]] = {
    "received": (),
    "screening": ("screening",),
    "eligible": ("screening", "eligible"),
    "ineligible": ("screening", "ineligible"),
    "in_evaluation": _EVALUATED[:3],
    "scored": _EVALUATED,
    "approved": (*_EVALUATED, "approved"),
    "rejected": (*_EVALUATED, "rejected"),
    "reserve": (*_EVALUATED, "reserve"),
    "expert_matching": (*_EVALUATED, "approved", "expert_matching"),
    "co_design": (*_EVALUATED, "approved", "expert_matching", "co_design"),
    "in_delivery": (*_EVALUATED, "approved", "expert_matching", "co_design", "in_delivery"),
    "completed": (*_EVALUATED, "approved", "expert_matching", "co_design", "in_delivery",
                  "completed"),
}
WITHDRAWN_AFTER = {"past": ("screening", "eligible"), "next": ("screening",)}
OUTCOME_OF = {"approved": "approve", "rejected": "reject", "reserve": "reserve",
              "ineligible": "ineligible"}


class CaseBuilder:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.evaluation = EvaluationBuilder(world)
        self.delivery = DeliveryBuilder(world)

    def register(self, case: DemoCase) -> Application:
        """Register the application as it arrived (every one before any is decided, so each
        joins the cut-off of its submission)."""
        return self._application(case)

    def build(self, case: DemoCase, app: Application) -> Application:
        world = self.world
        path = ((*WITHDRAWN_AFTER[case.phase], "withdrawn") if case.status == "withdrawn"
                else PATHS[case.status])
        previous = case.submitted_at
        note_at = self._note_time(case)
        for step in path:
            at = self._when(case, step, previous)
            if note_at is not None and note_at <= at:
                self._note(app, note_at)
                note_at = None
            self._before_step(app, case, step, at, previous)
            move_status(app, step, world.audit(at, world.secretariat[0]),
                        REASONS[OUTCOME_OF[step]] if step in OUTCOME_OF else
                        ("the region withdrew its request" if step == "withdrawn" else None))
            app.updated_at = previous = at
        if note_at is not None:
            self._note(app, note_at)
        if case.status in ("co_design", "in_delivery", "completed"):
            self.delivery.milestones(app, case.status)
        if case.status == "in_evaluation":
            self.evaluation.partial_scores(app, previous)
        return app

    def _application(self, case: DemoCase) -> Application:
        """Registered through the intake, as every application is: reference, cut-off,
        search text and the audit row all come from there."""
        world, rng = self.world, self.rng
        topic = rng.choice(TOPICS)
        organisation = world.names.organisation(case.region.name)
        contact = f"{rng.choice(CONTACT_FIRST_NAMES)} {world.names.surname()}"
        fields = IntakeFields(
            region=case.region, topic=topic, organisation=organisation,
            challenges=tuple(sorted(rng.sample(CHALLENGES, rng.randrange(3)))),
            contact_name=contact, contact_email=email_for(contact, org_domain(organisation)),
            # the applicant declares the region's real category (screening confirms it)
            category_declared=CATEGORY_OF[case.region.code], needs=world.names.needs(topic),
            submitted_at=case.submitted_at,
        )
        app = create_application(world.session, fields, case.submitted_at, world.config,
                                 actor_id=world.secretariat[0].id, source=SOURCE)
        if app.cutoff_id != case.cutoff.id:
            raise RuntimeError(f"demo calendar disagrees with the intake for {app.ref}")
        return app

    def _when(self, case: DemoCase, step: str, previous: datetime) -> datetime:
        world = self.world
        now, close = world.now, case.cutoff.closes_at
        span = now - close
        planned = case.phase in ("past", "current")
        decided = world.after_close(case.phase, "decision") if planned else close + span / 2
        scored = world.after_close(case.phase, "scored") if planned else close + span / 2
        # delivery starts once the decisions are announced
        started = world.announcement(case.phase) or decided
        at = {
            "screening": case.submitted_at + timedelta(days=1),
            "eligible": case.submitted_at + timedelta(days=4),
            "ineligible": case.submitted_at + timedelta(days=4),
            "withdrawn": previous + timedelta(days=2),
            "in_evaluation": close + timedelta(days=1),
            "scored": scored,
            "expert_matching": started + span * 0.04,
            "co_design": started + span * 0.12,
            "in_delivery": started + span * 0.25,
            "completed": now - timedelta(days=3),
        }.get(step, decided)
        at = self.world.office_hours(at)
        if step in ("screening", "eligible", "ineligible") and close <= now:
            at = min(at, close + timedelta(hours=12))
        at = max(at, previous + timedelta(minutes=10))
        return min(at, now - timedelta(minutes=5)) if at >= now else at

    def _before_step(self, app: Application, case: DemoCase, step: str, at: datetime,
                     previous: datetime) -> None:
        if step == "eligible" or step == "ineligible":
            app.cohesion_confirmed = app.cohesion_declared
            case.region.cohesion_category = app.cohesion_confirmed
        if step == "in_evaluation":
            self.evaluation.assign_panel(app, case, at)
        elif step == "scored":
            self.evaluation.full_scores(app, case, previous, at)
        if step in OUTCOME_OF:
            self.evaluation.decide(app, case, OUTCOME_OF[step], at)
        if step == "co_design":
            self.delivery.assign_expert(app, at)
        if step == "completed":
            self.delivery.complete(app, at)

    def _note_time(self, case: DemoCase) -> datetime | None:
        """About a third of the cases carry a note, written a few days after arrival."""
        if self.rng.random() > 0.35:
            return None
        return min(case.submitted_at + timedelta(days=3, hours=2),
                   self.world.now - timedelta(hours=1))

    def _note(self, app: Application, at: datetime) -> None:
        world = self.world
        author = world.secretariat[self.rng.randrange(len(world.secretariat))]
        note = Note(application_id=app.id, author_id=author.id, text=self.rng.choice(NOTES),
                    created_at=at)
        world.session.add(note)
        world.session.flush()
        world.audit(at, author)("application", app.ref, "note", None,
                                {"note_id": note.id, "text": note.text})

    def finish(self) -> None:
        self.world.session.flush()

