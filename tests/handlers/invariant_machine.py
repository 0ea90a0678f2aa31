"""A programme driven by random sequences of commands, for the workflow's invariants.

`ProgrammeMachine` types commands through the real `Desk` as every kind of person (the
secretariat, evaluators, an observer, a stranger), moves the clock and lets the scheduler
close cut-offs. Besides commands drawn at random it has `advance`, which types the next
sensible command for a case, so sequences reach decisions, announcements, letters and
delivery instead of stopping at refusals. The invariants themselves are in
`invariant_checks`; `test_invariants.py` runs the machine.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime, timedelta

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk, Inbound
from handlers.core.types import Outcome
from handlers.evaluation.closing import close_due_cutoffs
from storage.db import Database
from storage.models import Application, EvaluatorAssignment, Person
from storage.status import STATUSES, TRANSITIONS
from tests.conftest import BRUSSELS, _empty_tables, make_person
from tests.delivery_helpers import make_expert
from tests.handlers.invariant_checks import Checker

START = datetime(2026, 11, 20, 10, 0, tzinfo=BRUSSELS)
FIRST_CUTOFF = dt.date(2026, 11, 30)
SECRETARIAT = "sec"
EVALUATORS = ("eva", "ed", "ann")
EVALUATOR_COUNTRY = {"eva": "PT", "ed": "PL", "ann": "DE"}
EVERYONE = (SECRETARIAT, *EVALUATORS, "obs", "stranger")
# mostly the secretariat, whose commands change most; the others are refused or act
ACTORS = st.sampled_from((SECRETARIAT, SECRETARIAT, SECRETARIAT, *EVERYONE))
REGIONS = ("EL51", "PT11", "BG31", "AT32")
CRITERIA = ("relevance", "need", "feasibility", "impact")
OUTCOMES = ("approve", "reject", "reserve")
MILESTONE_KEYS = ("kickoff", "work_plan", "mid_term", "final_deliverable", "closure")
REF = re.compile(r"TA-\d{4}-\d{4}")
CODE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")
WORDS = st.sampled_from(("agreed in the call", "over capacity", "not an authority",
                         "strong fit", "withdrawn by the region", "late papers"))
DAYS = st.integers(-40, 120)
INDEX = st.integers(0, 15)


class ProgrammeMachine(RuleBasedStateMachine):
    """One programme per example: the store emptied, four people, two experts."""

    def __init__(self, db: Database, desk: Desk, config: ProgrammeConfig) -> None:
        super().__init__()
        self.db, self.desk, self.config = db, desk, config
        _empty_tables(db)
        make_person(db, SECRETARIAT, "secretariat")
        for name in EVALUATORS:
            person_id = make_person(db, name, "evaluator")
            with db.transaction() as session:
                person = session.get(Person, person_id)
                assert person is not None
                person.country_code = EVALUATOR_COUNTRY[name]
                person.email = f"{name}@example.eu"
        make_person(db, "obs", "observer")
        with db.transaction() as session:
            make_expert(session, "Alpha", languages=["el", "en"], country_code="BE")
            make_expert(session, "Beta", languages=["en"], country_code="FR")
        self.now = START
        self.refs: list[str] = []
        self.cutoff_days: list[dt.date] = [FIRST_CUTOFF]
        self.codes: list[str] = []
        self.sequence = 0
        self.checker = Checker(db, desk, config)

    # --- typing -------------------------------------------------------------------------

    def type(self, who: str, text: str) -> Outcome:
        self.sequence += 1
        outcome = self.desk.handle(Inbound(platform="console", user_id=who, text=text,
                                           now=self.now, source_id=f"m{self.sequence}"))
        assert "Something went wrong" not in " ".join(outcome.reply.text), (text, outcome)
        return outcome

    def ref(self, index: int) -> str:
        return self.refs[index % len(self.refs)] if self.refs else "TA-2026-0001"

    def day(self, index: int) -> str:
        return self.cutoff_days[index % len(self.cutoff_days)].isoformat()

    def date(self, offset: int) -> str:
        return (self.now.astimezone(BRUSSELS).date() + timedelta(days=offset)).isoformat()

    # --- intake and the calendar ----------------------------------------------------------

    @rule(who=ACTORS, region=st.sampled_from(REGIONS), back=st.integers(0, 200),
          category=st.sampled_from(("", " category:less_developed", " category:transition")))
    def register(self, who: str, region: str, back: int, category: str) -> None:
        submitted = self.date(-back)
        outcome = self.type(who, f'new region:{region} topic:edp org:"Agency {len(self.refs)}" '
                                 f"submitted:{submitted}{category}")
        if outcome.reply.tone == "success":
            ref = REF.search(outcome.reply.title)
            assert ref is not None
            self.refs.append(ref.group())
            self.checker.registered(ref.group())

    @rule(who=ACTORS, offset=DAYS, index=INDEX)
    def calendar(self, who: str, offset: int, index: int) -> None:
        if offset % 2:
            outcome = self.type(who, f"cutoffs add {self.date(offset)}")
        else:
            outcome = self.type(who, f"cutoffs move {self.day(index)} {self.date(offset)}")
        if outcome.reply.tone == "success":
            self._learn_cutoffs()

    @rule(who=ACTORS, index=INDEX, places=st.integers(0, 4))
    def capacity(self, who: str, index: int, places: int) -> None:
        self.type(who, f"cutoffs capacity {self.day(index)} {places}")

    @rule(days=st.integers(1, 25))
    def time_passes(self, days: int) -> None:
        self.now += timedelta(days=days, hours=1)
        with self.db.transaction() as session:
            close_due_cutoffs(session, self.now, self.config)

    @rule(who=ACTORS, index=INDEX, early=st.booleans())
    def close(self, who: str, index: int, early: bool) -> None:
        self.type(who, f"cutoff close {self.day(index)}" + (' early:"ready"' if early else ""))

    # --- any command on a case --------------------------------------------------------------

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX, pick=st.integers(0, 40), why=WORDS)
    def status(self, who: str, index: int, pick: int, why: str) -> None:
        """Mostly a move the case's state allows on paper (with or without an obligation),
        sometimes any state at all."""
        ref = self.ref(index)
        with self.db.read() as session:
            current = session.scalar(select(Application.status).where(Application.ref == ref))
        allowed = sorted(TRANSITIONS.get(current or "", ()))
        state = allowed[pick % len(allowed)] if allowed and pick < 30 else \
            STATUSES[pick % len(STATUSES)]
        self.checker.status_command(ref, self.type(who, f"status {ref} {state} {why}"), state)

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX, why=WORDS, kind=st.integers(0, 5))
    def screen(self, who: str, index: int, why: str, kind: int) -> None:
        ref = self.ref(index)
        self.type(who, (f"eligible {ref} category:transition", f"eligible {ref}",
                        f'eligible {ref} reason:"{why}"', f"ineligible {ref} {why}",
                        f"set {ref} topic foresight", f"note {ref} {why}")[kind])

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX, evaluator=st.sampled_from(EVALUATORS), kind=st.integers(0, 4))
    def panel(self, who: str, index: int, evaluator: str, kind: int) -> None:
        ref = self.ref(index)
        self.type(who, (f"assign {ref} auto", f"assign {ref} {evaluator}",
                        f"assign cutoff:{self.day(index)} auto",
                        f"unassign {ref} {evaluator} on leave", f"coi {ref} advised them")[kind])

    @precondition(lambda self: bool(self.refs))
    @rule(who=st.sampled_from((*EVALUATORS, SECRETARIAT)), index=INDEX,
          values=st.lists(st.integers(0, 5), min_size=4, max_size=4))
    def score(self, who: str, index: int, values: list[int]) -> None:
        pairs = " ".join(f"{k}={v}" for k, v in zip(CRITERIA, values, strict=True))
        self.type(who, f"score {self.ref(index)} {pairs} read it")

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX, keys=st.sets(st.sampled_from(CRITERIA), max_size=2),
          value=st.integers(0, 5), why=WORDS)
    def consensus(self, who: str, index: int, keys: set[str], value: int, why: str) -> None:
        pairs = " ".join(f"{k}={value}" for k in sorted(keys))
        self.type(who, f"consensus {self.ref(index)} {pairs} {why}")

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX, outcome=st.sampled_from(OUTCOMES), why=WORDS,
          kind=st.integers(0, 3))
    def decide(self, who: str, index: int, outcome: str, why: str, kind: int) -> None:
        day = self.day(index)
        self.type(who, (f"decide {self.ref(index)} {outcome} {why}", f"decide cutoff:{day}",
                        f"decide cutoff:{day} confirm", f"announce cutoff:{day}")[kind])

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX)
    def notified(self, who: str, index: int) -> None:
        self.type(who, f"notified {self.ref(index)} email")

    @precondition(lambda self: bool(self.refs))
    @rule(who=ACTORS, index=INDEX, key=st.sampled_from(MILESTONE_KEYS), offset=DAYS,
          kind=st.integers(0, 3))
    def delivery(self, who: str, index: int, key: str, offset: int, kind: int) -> None:
        ref = self.ref(index)
        self.type(who, (f"expert {ref} Alpha", f"milestone {ref} {key} done",
                        f"milestone {ref} {key} due {self.date(offset)}",
                        f'parties {ref} lead:"Lead"')[kind])

    # --- the rest of the desk ------------------------------------------------------------

    @rule(who=ACTORS, weight=st.integers(0, 3), threshold=st.integers(0, 5),
          kind=st.integers(0, 3))
    def rubric(self, who: str, weight: int, threshold: int, kind: int) -> None:
        self.type(who, (f"rubric set impact weight:{weight} threshold:{threshold}",
                        'rubric set green label:"Green transition"',
                        "rubric set green active:no", "rubric set need max:6")[kind])

    @rule(who=ACTORS, index=INDEX, kind=st.integers(0, 16))
    def desk_at_large(self, who: str, index: int, kind: int) -> None:
        evaluator = EVALUATORS[index % len(EVALUATORS)]
        texts = (f"role {evaluator} observer", f"role {evaluator} evaluator",
                 'template set reject subject:"Your application" '
                 'body:"Dear {{ contact_name }}"',
                 "template reset reject", "here evaluation", "here remove evaluation",
                 f"remind now {self.ref(index)}", f"remind now cutoff:{self.day(index)}",
                 f"outbox retry {index}", "priority bonus 1",
                 f"person erase {evaluator}@example.eu",
                 "privacy purge",
                 'expert add name:"Gamma" email:gamma@example.eu country:IT languages:it,en '
                 "topics:edp days:10", "expert set Beta days 5",
                 f"letter {self.ref(index)} send", "cutoffs ics new", "cutoffs ics off")
        self.type(who, texts[kind])

    @rule(who=ACTORS, use=st.booleans())
    def link(self, who: str, use: bool) -> None:
        if use and self.codes:
            self.type("newcomer", f"link {self.codes.pop()}")
            return
        reply = self.type(who, "link").reply
        if reply.tone != "error" and reply.text and CODE.match(reply.text[0]):
            self.codes.append(reply.text[0])

    # --- the next sensible step for a case ------------------------------------------------

    @precondition(lambda self: bool(self.refs))
    @rule(index=INDEX, stages=st.integers(1, 5),
          values=st.lists(st.integers(1, 5), min_size=4, max_size=4))
    def advance(self, index: int, stages: int, values: list[int]) -> None:
        for _ in range(stages):
            self._next_step(self.ref(index), values)

    @precondition(lambda self: bool(self.refs))
    @rule(stages=st.integers(1, 4), values=st.lists(st.integers(1, 5), min_size=4, max_size=4))
    def advance_everyone(self, stages: int, values: list[int]) -> None:
        for _ in range(stages):
            for ref in list(self.refs):
                self._next_step(ref, values)

    def _next_step(self, ref: str, values: list[int]) -> None:
        with self.db.read() as session:
            app = session.scalar(select(Application).where(Application.ref == ref))
            assert app is not None
            status, day = app.status, app.cutoff.date.isoformat()
            panel = [p for p, in session.execute(
                select(Person.name).join(EvaluatorAssignment,
                                         EvaluatorAssignment.person_id == Person.id)
                .where(EvaluatorAssignment.application_id == app.id,
                       EvaluatorAssignment.active.is_(True)))]
        pairs = " ".join(f"{k}={v}" for k, v in zip(CRITERIA, values, strict=True))
        steps = {
            "received": [f"ineligible {ref} not an authority" if values[1] == 1
                         else f"eligible {ref} category:transition"],
            "screening": [f"eligible {ref} category:less_developed"],
            "eligible": [f"cutoff close {day} early:\"ready\""],
            "in_evaluation": [f"assign {ref} auto"] if len(panel) < 2 else [],
            "scored": [f"decide {ref} {OUTCOMES[values[0] % 3]} on the merits",
                       f"decide cutoff:{day}",
                       f"decide cutoff:{day} confirm"],
            "approved": [f"announce cutoff:{day}", f"status {ref} expert_matching"],
            "expert_matching": [f"expert {ref} Alpha"],
            "rejected": [f"announce cutoff:{day}", f"notified {ref} email"],
            "reserve": [f"announce cutoff:{day}", f"decide {ref} approve a place came free"],
            "ineligible": [f"announce cutoff:{day}", f"notified {ref} email"],
            "co_design": [f"milestone {ref} work_plan done", f"notified {ref} email"],
            "in_delivery": [f"milestone {ref} closure done"],
        }.get(status, [])
        for text in steps:
            self.type(SECRETARIAT, text)
        if status == "in_evaluation":
            for name in panel:
                if name in EVALUATORS:
                    self.type(name, f"score {ref} {pairs} as agreed")

    def _learn_cutoffs(self) -> None:
        self.cutoff_days = self.checker.cutoff_days() or [FIRST_CUTOFF]

    # --- the invariants --------------------------------------------------------------------

    @invariant()
    def workflow_holds(self) -> None:
        self._learn_cutoffs()
        for status in self.checker.check(self.now, self.refs):
            # `--hypothesis-show-statistics` shows how far the sequences went
            event(f"reached {status}")
