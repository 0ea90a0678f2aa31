"""`s3desk demo-data`: a realistic, fictional programme in an empty store.

Three cut-offs around today (one decided and in delivery, one in evaluation, one still
collecting), about forty applications from real NUTS-2 regions in every status, the people
who work on them, experts, scores, decisions, letters, notes and the audit trail, all
consistent with the workflow rules: every status is reached through allowed transitions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.demo.cases import CaseBuilder
from bot.demo.world import DemoCase, World, cutoff_dates
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Application, Cutoff, Expert, Person

SEED = 2026
# status of each application, per cut-off: the past one is decided and in delivery, the
# current one is being evaluated, the next one is still collecting applications
PLAN = {
    "past": ("ineligible", "rejected", "rejected", "rejected", "approved", "reserve",
             "expert_matching", "expert_matching", "co_design", "co_design", "in_delivery",
             "in_delivery", "in_delivery", "in_delivery", "completed", "withdrawn"),
    "current": ("in_evaluation", "in_evaluation", "in_evaluation", "in_evaluation",
                "in_evaluation", "scored", "scored", "scored", "scored", "approved",
                "rejected", "reserve", "ineligible"),
    "next": ("received", "received", "received", "received", "screening", "screening",
             "screening", "eligible", "eligible", "eligible", "withdrawn"),
}


class NotEmpty(Exception):
    """The store already holds a programme; demo data is only for an empty one."""


@dataclass
class DemoSummary:
    people: list[tuple[str, str, tuple[str, ...], str | None]] = field(default_factory=list)
    cutoffs: list[tuple[str, dt.date]] = field(default_factory=list)
    by_status: dict[str, int] = field(default_factory=dict)
    experts: int = 0

    @property
    def applications(self) -> int:
        return sum(self.by_status.values())

    def lines(self) -> list[str]:
        out = [f"Demo programme loaded: {self.applications} applications, {self.experts} "
               "experts (all names invented)."]
        out.append("Cut-offs: " + ", ".join(f"{d.isoformat()} ({what})"
                                            for what, d in self.cutoffs))
        out.append("People (console: s3desk console --as NAME):")
        for user_id, name, roles, country in self.people:
            where = f", {country}" if country else ""
            out.append(f"  {user_id:<10} {name} ({', '.join(roles)}{where})")
        return out


def is_empty(session: Session) -> bool:
    """No programme yet: reference data (regions, rubric) does not count."""
    for model in (Application, Person, Expert, Cutoff):
        if session.scalar(select(func.count()).select_from(model)):
            return False
    return True


def load_demo(
    db: Database, now: datetime, config: ProgrammeConfig, seed: int = SEED
) -> DemoSummary:
    """Fill an empty store; raises NotEmpty (and changes nothing) when it is not empty."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with db.transaction() as session:
        if not is_empty(session):
            raise NotEmpty("the database already holds a programme; demo data is only "
                           "loaded into an empty one")
        world = World.create(session, now, config, seed)
        summary = DemoSummary()
        for what, cutoff in world.cutoffs.items():
            summary.cutoffs.append((what, cutoff.date))
        cases = _plan_cases(world)
        builder = CaseBuilder(world)
        # one UPDATE per case instead of one per status step: flushes happen where needed
        with session.no_autoflush:
            apps = [builder.register(case) for case in cases]
            for case, app in zip(cases, apps, strict=True):
                builder.build(case, app)
        builder.finish()
        summary.people = world.people_summary()
        summary.experts = len(world.experts)
        for case in cases:
            summary.by_status[case.status] = summary.by_status.get(case.status, 0) + 1
        return summary


def _plan_cases(world: World) -> list[DemoCase]:
    """Regions, submission times and target statuses, in submission order."""
    rng = world.rng
    regions = world.pick_regions(sum(len(v) for v in PLAN.values()))
    cases: list[DemoCase] = []
    for what, statuses in PLAN.items():
        cutoff = world.cutoffs[what]
        start, end = world.window(what)
        fractions = sorted(rng.random() for _ in statuses)
        shuffled = list(statuses)
        rng.shuffle(shuffled)
        for fraction, status in zip(fractions, shuffled, strict=True):
            submitted = world.working_hours(start + (end - start) * fraction, start, end)
            cases.append(DemoCase(phase=what, status=status, cutoff=cutoff,
                                  region=regions.pop(), submitted_at=submitted))
    cases.sort(key=lambda c: c.submitted_at)
    return cases


__all__ = ["PLAN", "DemoSummary", "NotEmpty", "cutoff_dates", "is_empty", "load_demo"]
