"""The setting of the demo programme: its calendar, its people and its experts."""

from __future__ import annotations

import calendar
import datetime as dt
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.demo.names import FIRST_NAMES, NameMaker, email_for
from bot.demo.regions import CATEGORY_OF
from handlers.core.audit import Auditor
from handlers.core.config import ProgrammeConfig
from handlers.people.grants import grant_role
from storage.languages import official_languages
from storage.models import TOPICS, AuditEntry, Cutoff, Expert, Person, Region, Role, RubricCriterion

SOURCE = "cli:demo-data"
# (days after the close, share of the time since the close) of each step, per cut-off: the
# past cut-off was scored within the evaluation deadline, decided, then announced; the
# current one is still being scored and partly decided
TIMELINE: dict[str, dict[str, tuple[int, float]]] = {
    "past": {"scored": (16, 0.25), "decision": (30, 0.35), "announcement": (33, 0.4)},
    "current": {"scored": (18, 0.55), "decision": (35, 0.8)},
}
EVALUATOR_COUNTRIES = ("PT", "PL", "DE", "EL")
EXPERT_COUNT = 12


@dataclass
class DemoCase:
    """One application to create: where it comes from, when, and how far it has come."""

    phase: str
    status: str
    cutoff: Cutoff
    region: Region
    submitted_at: datetime


@dataclass
class World:
    session: Session
    now: datetime
    config: ProgrammeConfig
    rng: random.Random
    names: NameMaker
    cutoffs: dict[str, Cutoff] = field(default_factory=dict)
    secretariat: list[Person] = field(default_factory=list)
    evaluators: list[Person] = field(default_factory=list)
    observer: Person | None = None
    experts: list[Expert] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)
    console_ids: dict[int, str] = field(default_factory=dict)
    # first names not used yet: nobody in the demo shares one, so each is a console id
    first_names: list[str] = field(default_factory=lambda: list(FIRST_NAMES))

    @classmethod
    def create(cls, session: Session, now: datetime, config: ProgrammeConfig,
               seed: int) -> World:
        world = cls(session, now, config, random.Random(seed), NameMaker(seed))
        world.criteria = list(session.scalars(
            select(RubricCriterion.key).where(RubricCriterion.active)
            .order_by(RubricCriterion.position)))
        world._make_cutoffs()
        world._make_people()
        world._make_experts()
        session.flush()
        return world

    @property
    def tz(self) -> dt.tzinfo:
        return self.config.timezone

    @property
    def today(self) -> dt.date:
        return self.now.astimezone(self.tz).date()

    def local(self, day: dt.date, hour: int = 0, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz)

    def audit(self, at: datetime, actor: Person | int | None = None) -> Auditor:
        actor_id = actor.id if isinstance(actor, Person) else actor
        return Auditor(self.session, at, actor_id, SOURCE)

    def _make_cutoffs(self) -> None:
        past, current, upcoming = cutoff_dates(self.today, self.config.cutoff_interval_months)
        for what, day in (("past", past), ("current", current), ("next", upcoming)):
            closes = self.local(day + timedelta(days=1))
            passed = closes <= self.now
            cutoff = Cutoff(
                date=day, calendar_date=day, closes_at=closes,
                closed_at=closes + timedelta(minutes=5) if passed else None,
                evaluation_deadline=day + timedelta(days=self.config.evaluation_days),
                decision_deadline=day + timedelta(days=self.config.evaluation_days + 21),
                capacity=6,
            )
            self.session.add(cutoff)
            self.cutoffs[what] = cutoff
            self.session.add(AuditEntry(at=self.now, entity="cutoff", entity_id=day.isoformat(),
                                        action="create", after={"date": day.isoformat()},
                                        source=SOURCE))

    def window(self, what: str) -> tuple[datetime, datetime]:
        """When applications of a cut-off were submitted: after the previous one closed."""
        cutoff = self.cutoffs[what]
        previous = {"past": None, "current": "past", "next": "current"}[what]
        start = (self.cutoffs[previous].closes_at if previous
                 else cutoff.closes_at - timedelta(days=85))
        end = min(cutoff.closes_at - timedelta(hours=1), self.now - timedelta(hours=1))
        if end <= start:
            # the period opened less than an hour ago: squeeze its submissions into that time
            end = start + (min(cutoff.closes_at, self.now) - start) * 0.9
        return start, end

    def working_hours(self, moment: datetime, start: datetime, end: datetime) -> datetime:
        """Move a moment into office hours of its day, if that stays inside the window."""
        local = moment.astimezone(self.tz)
        hour = 9 + int(self.rng.random() * 8)
        shifted = local.replace(hour=hour, minute=self.rng.randrange(60), second=0,
                                microsecond=0)
        return shifted if start <= shifted <= end else moment

    def office_hours(self, moment: datetime) -> datetime:
        """The same day, between 9:00 and 17:00 in the programme's zone."""
        local = moment.astimezone(self.tz)
        return local.replace(hour=9 + self.rng.randrange(8), minute=self.rng.randrange(60),
                             second=0, microsecond=0)

    def _make_people(self) -> None:
        for _ in range(2):
            self.secretariat.append(self._person(Role.SECRETARIAT, None))
        for country in EVALUATOR_COUNTRIES:
            self.evaluators.append(self._person(Role.EVALUATOR, country))
        self.observer = self._person(Role.OBSERVER, "BE")

    def _person(self, role: str, country: str | None) -> Person:
        first, full = self.names.person(self.first_names)
        user_id = first.lower()
        granted = grant_role(self.session, platform="console", user_id=user_id, role=role,
                             now=self.now, source=SOURCE, name=full, email=email_for(full),
                             country=country)
        person = self.session.get(Person, granted.person_id)
        assert person is not None
        self.console_ids[person.id] = user_id
        return person

    def people_summary(self) -> list[tuple[str, str, tuple[str, ...], str | None]]:
        everyone = [*self.secretariat, *self.evaluators]
        if self.observer is not None:
            everyone.append(self.observer)
        return [(self.console_ids[p.id], p.name, tuple(sorted(p.role_names)), p.country_code)
                for p in everyone]

    def pick_regions(self, count: int) -> list[Region]:
        """Applicants come from regions whose Cohesion category is known for certain."""
        regions = list(self.session.scalars(select(Region).where(
            Region.code.in_(sorted(CATEGORY_OF))).order_by(Region.code)))
        return self.rng.sample(regions, count)

    def after_close(self, what: str, step: str) -> datetime:
        """When a later step of a cut-off's work happened: so many days after its close,
        or a share of the time since, whichever is sooner (a cut-off closed minutes ago)."""
        days, share = TIMELINE[what][step]
        close = self.cutoffs[what].closes_at
        return close + min(timedelta(days=days), (self.now - close) * share)

    def announcement(self, what: str) -> datetime | None:
        """The one moment a cut-off's decisions were announced; None while they are not."""
        if "announcement" not in TIMELINE.get(what, {}):
            return None
        at = self.after_close(what, "announcement").astimezone(self.tz)
        return min(at.replace(hour=11, minute=0, second=0, microsecond=0),
                   self.now - timedelta(hours=1))

    def _make_experts(self) -> None:
        regions = list(self.session.scalars(select(Region).order_by(Region.code)))
        for index in range(EXPERT_COUNT):
            home = self.rng.choice(regions)
            _, name = self.names.person(self.first_names)
            languages = sorted(official_languages(home.country_code) | {"en"})
            expert = Expert(
                name=name, email=email_for(name, "experts.example.org"),
                country_code=home.country_code, region_code=home.code, languages=languages,
                topics=sorted(self.rng.sample(TOPICS[:-1], 2 + index % 2)),
                priority_areas=[],
                regions_worked=sorted(r.code for r in self.rng.sample(regions, 2)),
                availability_days=10 + 5 * self.rng.randrange(7),
                status="paused" if index == EXPERT_COUNT - 1 else "active",
                created_at=self.now - timedelta(days=200 - index * 7),
            )
            self.session.add(expert)
            self.experts.append(expert)


def cutoff_dates(today: dt.date, months: int) -> tuple[dt.date, dt.date, dt.date]:
    """The two last cut-offs before today and the next one (today's counts as next):
    cut-offs fall on the last day of every `months`-th month."""
    ends: list[dt.date] = []
    year, month = today.year - 1, 0
    while len(ends) < 12:
        month += months
        if month > 12:
            year, month = year + 1, month - 12
        ends.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    upcoming = next(i for i, day in enumerate(ends) if day >= today)
    return ends[upcoming - 2], ends[upcoming - 1], ends[upcoming]
