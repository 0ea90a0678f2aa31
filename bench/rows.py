"""The rows of a generated store, built in memory as plain dicts keyed by column name."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ID_TABLES = ("people", "person_roles", "identities", "places", "cutoffs", "applications",
             "evaluator_assignments", "scores", "decisions", "notes", "audit_log", "outbox",
             "thread_links")
INSERT_ORDER = ("people", "person_roles", "identities", "places", "cutoffs", "ref_counters",
                "applications", "evaluator_assignments", "scores", "decisions", "notes",
                "audit_log", "outbox", "thread_links")
EVALUATION_CHANNEL = "CBENCHEVAL"
TOPICS = ("edp", "policy_instruments", "foresight", "education", "national_synergies",
          "clusters", "other")
CHALLENGES = ("demographic", "geographic", "green", "digital", "development_trap")
CRITERIA = ("relevance", "need", "feasibility", "impact")
_WORDS = """
hydrogen tourism aquaculture forestry textiles batteries mobility logistics maritime ports
agrifood wine dairy fisheries biotech pharma health ageing care robotics photonics microchips
software cybersecurity data cloud gaming media culture heritage crafts design fashion furniture
ceramics glass steel automotive aerospace rail energy solar wind geothermal grids storage
buildings construction water circular recycling plastics chemicals mining minerals space
satellites drones quantum materials nanotech sensors manufacturing machinery tools skills
universities vocational schools startups clusters incubators venture finance procurement
innovation vouchers governance monitoring indicators evaluation foresight scenarios
entrepreneurship discovery stakeholders mountains islands rural coastal border cities
depopulation youth migration inclusion broadband platforms blockchain fintech insurance
retail crafts bioeconomy biomass peat transition lignite coal methane emissions climate
adaptation floods drought wildfire biodiversity wellness spa thermal olive citrus
"""
VOCABULARY = tuple(dict.fromkeys(_WORDS.split()))
QUERY_WORDS = ("hydrogen", "aquaculture", "microchips")
# in one application of a thousand (and in no other word): a search the ordered walk would
# read the whole table for, unless an index finds it
RARE_WORD, RARE_EVERY = "seaweed", 1000
ORG_KINDS = ("Regional Development Agency", "Managing Authority", "Innovation Office",
             "Department of Economy", "Smart Specialisation Unit")
OPEN = ("received", 40), ("screening", 30), ("eligible", 25), ("withdrawn", 5)
EVALUATING = ("in_evaluation", 85), ("ineligible", 10), ("withdrawn", 5)
DECIDED = (("completed", 33), ("rejected", 25), ("ineligible", 10), ("withdrawn", 5),
           ("reserve", 4), ("in_delivery", 12), ("co_design", 4), ("expert_matching", 3),
           ("approved", 4))
OUTCOME = {"rejected": "reject", "reserve": "reserve", "ineligible": "ineligible"}
EVALUATED = frozenset({"completed", "rejected", "reserve", "in_delivery", "co_design",
                       "expert_matching", "approved"})


def _card(title: str, line: str) -> dict[str, Any]:
    return {"title": title, "text": [line], "facts": [], "table": None, "context": [],
            "buttons": [], "pager": None, "form": None, "tone": "info"}


@dataclass
class Plan:
    rng: random.Random
    now: datetime
    zone: ZoneInfo
    regions: list[tuple[str, str, str]]
    ids: dict[str, int]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    refs: list[str] = field(default_factory=list)
    score_refs: list[str] = field(default_factory=list)
    evaluators: list[int] = field(default_factory=list)
    secretariat_id: int = 0
    bench_evaluator_id: int = 0
    _cutoffs: dict[tuple[int, int], tuple[int, datetime]] = field(default_factory=dict)
    _evaluating: list[tuple[int, str, datetime, list[int]]] = field(default_factory=list)
    _slack_users: dict[int, str] = field(default_factory=dict)

    def add(self, table: str, **row: Any) -> int:
        if table in ID_TABLES:
            row = {"id": self.ids[table], **row}
            self.ids[table] += 1
        self.tables[table].append(row)
        return int(row.get("id", 0))

    def add_cutoffs(self, ends: list[tuple[date, datetime]]) -> None:
        for day, closing in ends:
            closed = closing <= self.now
            announced = closing + timedelta(days=50)
            cutoff_id = self.add(
                "cutoffs", date=day, calendar_date=day, closes_at=closing,
                closed_at=closing if closed else None,
                evaluation_deadline=day + timedelta(days=21),
                decision_deadline=day + timedelta(days=45), capacity=40,
                announced_at=announced if announced <= self.now else None,
                # a closed cut-off's scoring has started: it keeps the seeded rubric
                rubric_version=1 if closed else None)
            self._cutoffs[(day.year, (day.month - 1) // 3)] = (cutoff_id, closing)

    def _person(self, name: str, role: str, slack_user: str | None) -> int:
        person_id = self.add("people", name=name, email=f"{name.lower()}@bench.invalid",
                             country_code="BE", created_at=self.now - timedelta(days=4000))
        self.add("person_roles", person_id=person_id, role=role, granted_at=self.now)
        if slack_user:
            self._slack_users[person_id] = slack_user
            self.add("identities", person_id=person_id, platform="slack",
                     platform_user_id=slack_user, tenant_id=None, display_name=name,
                     conversation_ref=None, created_at=self.now)
        return person_id

    def add_people(self, secretariat_user: str, evaluator_user: str, evaluators: int) -> None:
        self.secretariat_id = self._person("BenchSecretariat", "secretariat", secretariat_user)
        self.bench_evaluator_id = self._person("BenchEvaluator", "evaluator", evaluator_user)
        self.evaluators = [self._person(f"Evaluator{n:02d}", "evaluator", f"UEVAL{n:02d}")
                           for n in range(evaluators)]
        self._person("BenchObserver", "observer", "UBENCHOBS")
        for purpose, channel in (("reminders", "CBENCHREM"), ("evaluation", "CBENCHEVAL"),
                                 ("announcements", "CBENCHANN")):
            self.add("places", platform="slack", purpose=purpose, channel_id=channel,
                     name=purpose, conversation_ref=None, registered_by=self.secretariat_id,
                     registered_at=self.now - timedelta(days=4000))

    def _status(self, closing: datetime, latest_closed: datetime) -> str:
        if closing == latest_closed and not self._evaluating:
            # the cut-off in evaluation always has a case to score, even in a tiny store
            return "in_evaluation"
        if closing > self.now:
            choices = OPEN
        else:
            choices = EVALUATING if closing == latest_closed else DECIDED
        names, weights = zip(*choices, strict=True)
        return self.rng.choices(names, weights)[0]

    def add_applications(self, size: int, first_year: int) -> None:
        years = list(range(first_year, self.now.year + 1))
        latest_closed = max(c for _, c in self._cutoffs.values() if c <= self.now)
        for index, year in enumerate(years):
            count = size // len(years) + (1 if index < size % len(years) else 0)
            start = datetime(year, 1, 1, tzinfo=UTC)
            span = (min(datetime(year + 1, 1, 1, tzinfo=UTC), self.now) - start).total_seconds()
            moments = sorted(start + timedelta(seconds=self.rng.random() * span)
                             for _ in range(count))
            for seq, submitted in enumerate(moments, start=1):
                self._application(f"TA-{year}-{seq:04d}", submitted, latest_closed)
            self.add("ref_counters", year=year, last_seq=count)

    def _application(self, ref: str, submitted: datetime, latest_closed: datetime) -> None:
        rng = self.rng
        local = submitted.astimezone(self.zone)
        cutoff_id, closing = self._cutoffs[(local.year, (local.month - 1) // 3)]
        status = self._status(closing, latest_closed)
        code, country, region_name = rng.choice(self.regions)
        kind = rng.choice(ORG_KINDS)
        needs = " ".join(rng.sample(VOCABULARY, 10))
        if len(self.refs) % RARE_EVERY == RARE_EVERY - 1:
            needs += f" {RARE_WORD}"
        app_id = self.add(
            "applications", ref=ref, region_code=code, country_code=country,
            applicant_organisation=f"{kind} {code}", contact_name=f"Contact {ref}",
            contact_email=f"{ref.lower()}@region.invalid", language="en", topic=rng.choice(TOPICS),
            challenges=rng.sample(CHALLENGES, rng.randint(0, 2)), needs=needs,
            submitted_at=submitted, cutoff_id=cutoff_id, status=status, status_reason=None,
            cohesion_declared="transition", cohesion_confirmed=None,
            search_text=f"{kind.lower()} {code.lower()} {region_name} {needs}",
            contact_erased_at=None, created_at=submitted, updated_at=submitted, version=1)
        self.refs.append(ref)
        self._audit(submitted, "application", ref, "created", None, {"status": "received"})
        if status != "received":
            self._audit(submitted + timedelta(days=3), "application", ref, "status",
                        {"status": "received"}, {"status": status})
        if rng.random() < 0.1:
            self.add("notes", application_id=app_id, author_id=self.secretariat_id,
                     text=f"Called the applicant about {rng.choice(VOCABULARY)}.",
                     created_at=submitted + timedelta(days=2))
        if status == "in_evaluation":
            self._evaluating.append((app_id, ref, closing, self._assign(app_id, closing)))
            self._case_thread(app_id, ref, closing)
        elif status in EVALUATED:
            pair = self._assign(app_id, closing)
            self._case_thread(app_id, ref, closing)
            for person in pair:
                self._score(app_id, person, closing + timedelta(days=10))
            self._decide(app_id, ref, OUTCOME.get(status, "approve"), closing)
        elif status == "ineligible":
            self._decide(app_id, ref, "ineligible", closing)

    def _assign(self, app_id: int, at: datetime) -> list[int]:
        pair = self.rng.sample(self.evaluators, 2)
        for person in pair:
            self.add("evaluator_assignments", application_id=app_id, person_id=person,
                     active=True, assigned_at=at, assigned_by=self.secretariat_id,
                     country_override_reason=None, removed_reason=None)
        return pair

    def _score(self, app_id: int, person: int, at: datetime) -> None:
        values = {key: self.rng.randint(1, 5) for key in CRITERIA}
        self.add("scores", application_id=app_id, person_id=person, values=values,
                 comment="", excluded=False, submitted_at=at, version=1)

    def _decide(self, app_id: int, ref: str, outcome: str, closing: datetime) -> None:
        decided = closing + timedelta(days=30)
        announced = decided + timedelta(days=1)
        self.add("decisions", application_id=app_id, outcome=outcome, reason="Bench decision",
                 decided_by=self.secretariat_id, decided_at=decided, announced_at=announced,
                 revision=1)
        self._audit(decided, "application", ref, "decided", None, {"outcome": outcome})
        failed = self.rng.random() < 0.005
        self._outbox(f"bench:announce:{ref}", "announcement", "CBENCHANN", decided,
                     _card(f"{ref}: {outcome}", "Decision announced."),
                     status="failed" if failed else "sent", thread_key=None)

    def _case_thread(self, app_id: int, ref: str, opened: datetime) -> None:
        """The case's root post in the evaluation channel, as evaluation opening leaves it:
        progress edits of `score` update this message."""
        message_id = f"{1_700_000_000 + app_id}.000100"
        self._outbox(f"case:{ref}:post:slack:{EVALUATION_CHANNEL}", "case", EVALUATION_CHANNEL,
                     opened, _card(ref, "Case in evaluation."), status="sent",
                     thread_key=f"case:{ref}", starts_thread=True, message_id=message_id)
        self.add("thread_links", application_id=app_id, platform="slack",
                 channel_id=EVALUATION_CHANNEL, message_id=message_id, created_at=opened)

    def _outbox(self, key: str, kind: str, target: str, due: datetime, card: dict[str, Any],
                *, status: str, thread_key: str | None, starts_thread: bool = False,
                message_id: str | None = None) -> None:
        sent = status == "sent"
        if sent and message_id is None:
            message_id = f"{int(due.timestamp())}.{self.ids['outbox'] % 1_000_000:06d}"
        self.add("outbox", dedupe_key=key, kind=kind, platform="slack", target=target,
                 thread_key=thread_key, starts_thread=starts_thread, edit_of=None,
                 card=card, due_at=due, useful_until=None, status=status,
                 attempts=1 if status != "pending" else 0, lease_until=None, claimed_by=None,
                 message_id=message_id,
                 error=None if status != "failed" else "channel_not_found",
                 created_at=due, sent_at=due if sent else None)

    def _audit(self, at: datetime, entity: str, entity_id: str, action: str,
               before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        self.add("audit_log", at=at, actor_id=self.secretariat_id, entity=entity,
                 entity_id=entity_id, action=action, before=before, after=after,
                 source="bench")

    def assign_score_pool(self, pool_size: int) -> None:
        """Hand the bench evaluator a pool of unscored cases; the rest get their first scores."""
        pool = set(self.rng.sample(range(len(self._evaluating)),
                                   min(pool_size, len(self._evaluating))))
        assignments = {(r["application_id"], r["person_id"]): r
                       for r in self.tables["evaluator_assignments"]}
        reminder_due = self.now + timedelta(days=7)
        for index, (app_id, ref, closing, pair) in enumerate(self._evaluating):
            if index in pool:
                assignments[(app_id, pair[0])]["person_id"] = self.bench_evaluator_id
                self.score_refs.append(ref)
            elif self.rng.random() < 0.5:
                self._score(app_id, pair[0], closing + timedelta(days=5))
            self._outbox(f"bench:remind:{ref}", "reminder", f"user:{self._slack_users[pair[-1]]}",
                         reminder_due, _card(ref, "Please score."), status="pending",
                         thread_key=None)
