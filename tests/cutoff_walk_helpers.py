"""One cut-off of twelve applications from `received` to announced decisions, driven only
through chat commands once the applications exist (the walk the cut-off tests share)."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.core.types import Outcome
from storage.db import Database
from storage.models import Application, EvaluatorAssignment, Person
from tests.conftest import Chat
from tests.evaluation_helpers import (
    add_application,
    add_cutoff,
    add_evaluator,
    status_of,
    talk,
)

DAY = "2026-11-25"
REGIONS = ("EL51", "PT11", "BG31", "ES11", "EL51", "PT11", "BG31", "ES11", "EL51", "PT11",
           "BG31", "ES11")
# (relevance, need, feasibility, impact) each evaluator gives, by application number;
# 9 and 10 fall below a threshold; 3 and 7 tie on total.
PLAN = {
    1: (5, 5, 5, 5), 2: (4, 5, 4, 4), 3: (4, 4, 4, 4), 4: (5, 4, 5, 4), 5: (3, 3, 3, 3),
    6: (5, 5, 4, 5), 7: (4, 4, 4, 4), 8: (3, 4, 3, 4), 9: (2, 4, 4, 4), 10: (4, 2, 3, 3),
    11: (4, 3, 4, 3), 12: (3, 4, 4, 3),
}


def _values(ref: str, evaluator: str) -> str:
    relevance, need, feasibility, impact = PLAN[int(ref[-4:])]
    if ref.endswith("0012"):  # far apart on need: the thread asks for a consensus
        need = 1 if evaluator in ("eva", "iva") else 5
    return f"relevance={relevance} need={need} feasibility={feasibility} impact={impact}"


def _same_country_assignments(db: Database) -> int:
    with db.read() as session:
        return session.scalar(
            select(func.count(EvaluatorAssignment.id))
            .join(Application, Application.id == EvaluatorAssignment.application_id)
            .join(Person, Person.id == EvaluatorAssignment.person_id)
            .where(Person.country_code == Application.country_code)) or 0


def walk_to_announcement(chat: dict[str, Chat], db: Database,
                         languages: tuple[str, ...] = ("en",)) -> tuple[list[str], Outcome]:
    """Register, screen, close, assign, score, decide and announce; the references and the
    announcement. Applicants take the `languages` in turn."""
    add_cutoff(db)
    add_evaluator(db, "iva", "PT")
    add_evaluator(db, "jan", "BG")
    refs = [add_application(db, region=region, challenges=["green"] if i % 4 == 0 else None,
                            language=languages[i % len(languages)])
            for i, region in enumerate(REGIONS)]
    sec = chat["sec"]

    for i, ref in enumerate(refs):
        category = "less_developed" if REGIONS[i] in ("BG31", "EL51") else "transition"
        assert sec(f"eligible {ref} category:{category}").reply.tone == "success"
    closed = sec(f"cutoff close {DAY}")
    assert closed.reply.tone == "success"
    assert sum(1 for n in closed.notices if n.starts_thread) == 12

    assigned = sec(f"assign cutoff:{DAY} auto").reply
    assert assigned.tone == "success", assigned
    assert _same_country_assignments(db) == 0

    divergent = None
    for name in ("eva", "ed", "iva", "jan"):
        person = talk(chat, name)
        waiting = person("evaluations").reply.table
        assert waiting is not None
        for row in waiting.rows:
            outcome = person(f"score {row[0]} {_values(row[0], name)} read and scored")
            assert outcome.reply.tone == "success", outcome.reply
            if any(n.key == f"case:{row[0]}:consensus:need" for n in outcome.notices):
                divergent = row[0]
    assert all(status_of(db, ref) == "scored" for ref in refs)
    assert divergent == refs[11]
    agreed = sec(f"consensus {divergent} need=4 "
                 "agreed in the panel call")
    assert agreed.reply.tone == "success"

    assert sec(f"cutoffs capacity {DAY} 5").reply.tone == "success"
    proposal = sec(f"decide cutoff:{DAY}").reply
    assert proposal.table is not None and len(proposal.table.rows) == 12
    confirmed = sec(proposal.buttons[0].command).reply
    assert confirmed.tone == "success", confirmed
    outcomes = [status_of(db, ref) for ref in refs]
    assert outcomes.count("approved") == 5
    assert outcomes.count("rejected") == 2
    assert outcomes.count("reserve") == 5
    assert status_of(db, refs[8]) == status_of(db, refs[9]) == "rejected"
    assert status_of(db, refs[0]) == "approved"

    announced = sec(f"announce cutoff:{DAY}")
    assert announced.reply.tone == "success"
    return refs, announced

