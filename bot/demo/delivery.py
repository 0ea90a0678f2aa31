"""Demo assignments: an expert matched on topic, and milestones, some of them overdue."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, time, timedelta

from bot.demo.world import World
from storage.models import MILESTONES, Application, Assignment, Expert, Milestone


class DeliveryBuilder:
    def __init__(self, world: World) -> None:
        self.world = world
        self.load: dict[int, int] = {}
        self.assignments: dict[int, Assignment] = {}
        self.overdue_left = 2

    def assign_expert(self, app: Application, at: datetime) -> None:
        world = self.world
        expert = self._match(app)
        self.load[expert.id] = self.load.get(expert.id, 0) + 1
        assignment = Assignment(
            application_id=app.id, expert_id=expert.id,
            days_planned=getattr(world.config, "assignment_days", 10) + 5 * (app.id % 3),
            dg_regio_officer=world.observer.name if world.observer else None,
            region_contact=app.contact_name, secretariat_lead=world.secretariat[-1].name,
            started_at=at,
        )
        world.session.add(assignment)
        world.session.flush()
        self.assignments[app.id] = assignment
        world.audit(at, world.secretariat[-1])("assignment", app.ref, "assign", None,
                                               {"expert": expert.id,
                                                "days_planned": assignment.days_planned})

    def _match(self, app: Application) -> Expert:
        active = [e for e in self.world.experts if e.status == "active"]
        fitting = [e for e in active
                   if app.topic in e.topics and e.country_code != app.country_code]
        pool = fitting or active
        return min(pool, key=lambda e: (self.load.get(e.id, 0), e.id))

    def complete(self, app: Application, at: datetime) -> None:
        self.assignments[app.id].completed_at = at

    def milestones(self, app: Application, status: str) -> None:
        """Milestones as a case in `status` has them: planned, done, or overdue."""
        assignment = self.assignments[app.id]
        start = assignment.started_at.astimezone(self.world.tz).date()
        today = self.world.today
        if status == "completed":
            end = (assignment.completed_at or self.world.now).astimezone(self.world.tz).date()
            step = max((end - start) / len(MILESTONES), timedelta(days=1))
            plan = [(key, start + step * (i + 1), True) for i, key in enumerate(MILESTONES)]
        elif status == "in_delivery":
            if self.overdue_left:
                mid_term = today - timedelta(days=4 + 5 * self.overdue_left)
                self.overdue_left -= 1
            else:
                mid_term = today + timedelta(days=20 + app.id % 10)
            plan = [("kickoff", start + timedelta(days=7), True),
                    ("work_plan", start + timedelta(days=28), True),
                    ("mid_term", mid_term, False),
                    ("final_deliverable", today + timedelta(days=75), False),
                    ("closure", today + timedelta(days=100), False)]
        else:
            kickoff = start + timedelta(days=7)
            work_plan = max(today + timedelta(days=10), start + timedelta(days=30))
            plan = [("kickoff", kickoff, kickoff < today),
                    ("work_plan", work_plan, False),
                    ("mid_term", work_plan + timedelta(days=60), False),
                    ("final_deliverable", work_plan + timedelta(days=150), False),
                    ("closure", work_plan + timedelta(days=180), False)]
        for key, due, done in plan:
            self.world.session.add(Milestone(
                assignment_id=assignment.id, key=key, due_date=due,
                done_at=self._done_at(due) if done else None,
                note="" if not done else "Done as planned."))

    def _done_at(self, due: dt.date) -> datetime:
        moment = datetime.combine(due - timedelta(days=1), time(15), tzinfo=self.world.tz)
        return min(moment, self.world.now - timedelta(hours=1))
