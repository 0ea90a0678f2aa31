"""Evaluator assignment: balance by load, conflicts, the country rule, and `coi`."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database
from storage.models import ConflictDeclaration, EvaluatorAssignment
from tests.conftest import Chat
from tests.evaluation_helpers import (
    GOOD,
    add_application,
    add_cutoff,
    add_evaluator,
    audits,
    open_case,
    panel,
    score_rows,
    set_country,
    status_of,
    talk,
)


def _loads(db: Database) -> dict[int, int]:
    with db.read() as session:
        counts: dict[int, int] = {}
        for pid in session.scalars(select(EvaluatorAssignment.person_id)
                                   .where(EvaluatorAssignment.active.is_(True))):
            counts[pid] = counts.get(pid, 0) + 1
        return counts


def test_auto_assignment_balances_the_load(chat: dict[str, Chat], db: Database,
                                           people: dict[str, int]) -> None:
    add_cutoff(db)
    extra = [add_evaluator(db, "iva"), add_evaluator(db, "jan")]
    refs = [add_application(db) for _ in range(6)]
    for ref in refs:
        chat["sec"](f"eligible {ref} category:transition")
    chat["sec"]("cutoff close 2026-11-25")
    reply = chat["sec"]("assign cutoff:2026-11-25 auto").reply
    assert reply.tone == "success" and reply.table is not None
    assert len(reply.table.rows) == 6
    assert all(len(panel(db, ref)) == 2 for ref in refs)
    loads = _loads(db)
    assert sorted(loads) == sorted([people["eva"], people["ed"], *extra])
    assert max(loads.values()) - min(loads.values()) <= 1
    assert sum(loads.values()) == 12


def test_auto_assignment_prefers_the_least_loaded(chat: dict[str, Chat], db: Database,
                                                  people: dict[str, int]) -> None:
    add_cutoff(db)
    add_evaluator(db, "iva")
    busy = open_case(chat, db)
    chat["sec"](f'assign {busy} eva ed')
    fresh = open_case(chat, db)
    outcome = chat["sec"](f"assign {fresh} auto")
    assert outcome.reply.tone == "success"
    # iva has no open assignment; eva and ed have one each: iva first, then the lower id
    assert panel(db, fresh) == {people["eva"], max(panel(db, fresh) - {people["eva"]})}
    assert len(panel(db, fresh) & {people["eva"], people["ed"]}) == 1
    kinds = sorted(n.kind for n in outcome.notices)
    assert kinds.count("assignment") == 2
    direct = [n for n in outcome.notices if n.kind == "assignment"]
    assert {n.audience.kind for n in direct} == {"person"}
    assert any(n.edit_of == f"case:{fresh}:post" for n in outcome.notices)
    assert sum(1 for n in outcome.notices
               if n.thread_key == f"case:{fresh}" and n.edit_of is None) == 2


def test_scored_evaluator_load_drops(chat: dict[str, Chat], db: Database,
                                     people: dict[str, int]) -> None:
    add_cutoff(db)
    iva = add_evaluator(db, "iva")
    first = open_case(chat, db)
    chat["sec"](f"assign {first} eva iva")
    chat["eva"](f"score {first} {GOOD}")
    second = open_case(chat, db)
    chat["sec"](f"assign {second} auto")
    # eva scored hers (load 0), ed has none (load 0), iva has one unscored (load 1)
    assert panel(db, second) == {people["eva"], people["ed"]}
    assert iva not in panel(db, second)


def test_country_rule_with_greece_written_two_ways(chat: dict[str, Chat], db: Database,
                                                   people: dict[str, int]) -> None:
    add_cutoff(db)
    set_country(db, people["eva"], "GR")  # ISO, while the region EL51 says EL
    add_evaluator(db, "iva", "PT")
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} auto")
    assert people["eva"] not in panel(db, ref)
    other = open_case(chat, db)
    refused = chat["sec"](f"assign {other} eva").reply
    assert refused.tone == "error" and "override" in refused.text[0]
    done = chat["sec"](f'assign {other} eva override:"only Greek speaker available"').reply
    assert done.tone == "success"
    with db.read() as session:
        row = session.scalar(select(EvaluatorAssignment).where(
            EvaluatorAssignment.person_id == people["eva"]))
        assert row is not None
        assert row.country_override_reason == "only Greek speaker available"
    audited = [a for a in audits(db, "assignment", "assign")
               if a.after and a.after.get("country_override_reason")]
    assert len(audited) == 1


def test_only_evaluators_and_never_twice(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    assert "not an evaluator" in chat["sec"](f"assign {ref} obs").reply.text[0]
    assert chat["sec"](f"assign {ref} eva").reply.tone == "success"
    assert "already on the panel" in chat["sec"](f"assign {ref} eva").reply.text[0]
    assert "Nobody called" in chat["sec"](f"assign {ref} nobody").reply.text[0]
    assert chat["eva"](f"assign {ref} ed").reply.tone == "error"
    waiting = add_application(db)
    assert "in evaluation" in chat["sec"](f"assign {waiting} eva").reply.text[0]


def test_shortage_is_reported(chat: dict[str, Chat], db: Database,
                              people: dict[str, int]) -> None:
    add_cutoff(db)
    set_country(db, people["ed"], "EL")
    ref = open_case(chat, db)
    reply = chat["sec"](f"assign {ref} auto").reply
    assert reply.tone == "success"
    assert "still needs 1 evaluator" in reply.context[0]


def test_conflict_declared_in_advance_keeps_an_evaluator_off(
        chat: dict[str, Chat], db: Database, people: dict[str, int]) -> None:
    add_cutoff(db)
    add_evaluator(db, "iva")
    ref = open_case(chat, db)
    assert chat["eva"](f"coi {ref} I worked for this agency").reply.tone == "success"
    chat["sec"](f"assign {ref} auto")
    assert people["eva"] not in panel(db, ref)
    refused = chat["sec"](f"assign {ref} eva").reply
    assert "conflict of interest" in refused.text[0]


def test_coi_by_an_assigned_evaluator(chat: dict[str, Chat], db: Database,
                                      people: dict[str, int]) -> None:
    add_cutoff(db)
    iva = add_evaluator(db, "iva")
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {GOOD}")
    chat["ed"](f"score {ref} {GOOD}")
    assert status_of(db, ref) == "scored"
    outcome = chat["eva"](f"coi {ref} my sister works there")
    assert outcome.reply.tone == "success"
    assert panel(db, ref) == {people["ed"]}
    assert [(p, excluded) for p, _, excluded, _ in score_rows(db, ref)] == [
        (people["eva"], True), (people["ed"], False)]
    # the panel is short again: back to evaluation until a replacement scores
    assert status_of(db, ref) == "in_evaluation"
    proposal = next(n for n in outcome.notices if n.kind == "conflict")
    assert proposal.audience.kind == "secretariat"
    assert proposal.card.buttons[0].command == f'assign {ref} "iva"'
    assert iva not in panel(db, ref)  # proposed, not assigned
    edit = next(n for n in outcome.notices if n.edit_of)
    assert {f.label: f.value for f in edit.card.facts}["Progress"] == "1 of 2 scored"
    with db.read() as session:
        declaration = session.scalar(select(ConflictDeclaration))
        assert declaration is not None and declaration.reason == "my sister works there"
    assert chat["eva"](f"score {ref} {GOOD}").reply.tone == "error"
    assert chat["eva"](f"coi {ref}").reply.tone == "error"
    assert chat["sec"](proposal.card.buttons[0].command).reply.tone == "success"
    assert talk(chat, "iva")(f"score {ref} {GOOD}").reply.tone == "success"
    assert status_of(db, ref) == "scored"


def test_coi_is_for_evaluators(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    assert chat["obs"](f"coi {ref}").reply.tone == "error"
    assert chat["sec"](f"coi {ref}").reply.tone == "error"


def test_evaluations_lists_open_work(chat: dict[str, Chat], db: Database,
                                     people: dict[str, int]) -> None:
    add_cutoff(db)
    first, second = open_case(chat, db), open_case(chat, db)
    chat["sec"](f"assign {first} eva ed")
    chat["sec"](f"assign {second} eva ed")
    chat["eva"](f"score {first} {GOOD}")
    mine = chat["eva"]("evaluations").reply
    assert mine.table is not None
    assert [(r[0], r[3]) for r in mine.table.rows] == [(first, "yes"), (second, "no")]
    assert chat["eva"]("evaluations ed").reply.tone == "error"
    overview = chat["sec"]("evaluations").reply
    assert overview.table is not None
    assert {r[0]: r[2] for r in overview.table.rows} == {"eva": "1", "ed": "2"}
    theirs = chat["obs"]("evaluations ed").reply
    assert theirs.table is not None and len(theirs.table.rows) == 2
