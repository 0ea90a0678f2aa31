"""`unassign REF @person [reason]`: the secretariat takes an evaluator off a panel; the row is
kept with its reason, their score stops counting, and the case's completeness is settled
again (never after a decision)."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.types import Notice, Outcome, Where
from storage.db import Database
from storage.models import Application, EvaluatorAssignment, ThreadLink
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
    status_of,
    talk,
)


def _assignment(db: Database, ref: str, person_id: int) -> EvaluatorAssignment:
    with db.read() as session:
        row = session.scalar(
            select(EvaluatorAssignment)
            .join(Application, Application.id == EvaluatorAssignment.application_id)
            .where(Application.ref == ref, EvaluatorAssignment.person_id == person_id))
        assert row is not None
        return row


def _edit(outcome: Outcome) -> Notice:
    return next(n for n in outcome.notices if n.edit_of)


def _progress(notice: Notice) -> str:
    return {f.label: f.value for f in notice.card.facts}["Progress"]


def test_unassign_an_evaluator_who_has_not_scored(chat: dict[str, Chat], db: Database,
                                                  people: dict[str, int]) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {GOOD}")
    outcome = chat["sec"](f"unassign {ref} ed on leave until March")
    assert outcome.reply.tone == "success", outcome.reply
    assert panel(db, ref) == {people["eva"]}
    row = _assignment(db, ref, people["ed"])
    assert not row.active and row.removed_reason == "on leave until March"
    (deactivated,) = audits(db, "assignment", "deactivate")
    assert deactivated.entity_id == f"{ref}:{people['ed']}"
    assert deactivated.after == {"active": False, "removed_reason": "on leave until March"}
    assert status_of(db, ref) == "in_evaluation"
    direct = next(n for n in outcome.notices if n.audience.kind == "person")
    assert direct.audience.person_id == people["ed"]
    assert "no longer on the panel" in direct.card.title
    assert "on leave until March" in repr(direct.card)
    edit = _edit(outcome)
    assert edit.edit_of == f"case:{ref}:post" and _progress(edit) == "1 of 2 scored"
    post = next(n for n in outcome.notices
                if n.thread_key == f"case:{ref}" and n.edit_of is None)
    assert "leaves the panel" in post.card.title and "March" not in repr(post.card)
    assert outcome.reply.buttons[0].command == f"assign {ref} auto"
    refused = chat["ed"](f"score {ref} {GOOD}").reply
    assert refused.tone == "error" and "not an evaluator of" in refused.text[0]


def test_unassign_excludes_the_score_and_reopens_a_scored_case(
        chat: dict[str, Chat], db: Database, people: dict[str, int]) -> None:
    add_cutoff(db)
    iva = add_evaluator(db, "iva")
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {GOOD}")
    chat["ed"](f"score {ref} {GOOD}")
    assert status_of(db, ref) == "scored"
    outcome = chat["sec"](f"unassign {ref} ed")
    assert outcome.reply.tone == "success", outcome.reply
    assert [(p, excluded) for p, _, excluded, _ in score_rows(db, ref)] == [
        (people["eva"], False), (people["ed"], True)]
    assert _assignment(db, ref, people["ed"]).removed_reason == "removed by the secretariat"
    assert audits(db, "score", "exclude")[0].entity_id == f"{ref}:{people['ed']}"
    assert status_of(db, ref) == "in_evaluation"
    assert _progress(_edit(outcome)) == "1 of 2 scored"
    assert any(":reopened:" in n.key for n in outcome.notices)
    direct = next(n for n in outcome.notices if n.audience.kind == "person")
    assert "no longer counts" in repr(direct.card)
    assert chat["sec"](f"assign {ref} iva").reply.tone == "success"
    assert talk(chat, "iva")(f"score {ref} {GOOD}").reply.tone == "success"
    assert status_of(db, ref) == "scored" and iva in panel(db, ref)


def test_taking_off_the_last_unscored_evaluator_completes_the_case(
        chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    add_evaluator(db, "iva")
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed iva")
    chat["eva"](f"score {ref} {GOOD}")
    chat["ed"](f"score {ref} {GOOD}")
    assert status_of(db, ref) == "in_evaluation"
    outcome = chat["sec"](f"unassign {ref} iva unreachable")
    assert status_of(db, ref) == "scored"
    assert any(":complete:" in n.key for n in outcome.notices)
    assert _progress(_edit(outcome)) == "2 of 2 scored"
    assert not outcome.reply.buttons


def test_unassign_refusals_change_nothing(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    add_evaluator(db, "iva")
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    refusals = {
        f"unassign {ref} nobody": "Nobody called `nobody`",
        f"unassign {ref} iva": "iva is not on the panel of",
        f"unassign {ref} obs": "obs is not an evaluator",
        f"unassign {ref}": "name the evaluator",
        "unassign eva": "name the case",
        "unassign TA-2026-0999 eva": "No application",
    }
    for text, message in refusals.items():
        reply = chat["sec"](text).reply
        assert reply.tone == "error" and message in reply.text[0], (text, reply)
    for who in ("eva", "obs"):
        reply = chat[who](f"unassign {ref} ed").reply
        assert reply.tone == "error" and "is for secretariat" in reply.text[0]
    assert chat["sec"](f"unassign {ref} ed").reply.tone == "success"
    again = chat["sec"](f"unassign {ref} ed").reply
    assert again.tone == "error" and "no longer on the panel" in again.text[0]
    assert "was taken off" in chat["sec"](f"assign {ref} ed").reply.text[0]
    waiting = add_application(db)
    assert "in evaluation" in chat["sec"](f"unassign {waiting} eva").reply.text[0]
    assert len(audits(db, "assignment", "deactivate")) == 1


def test_unassign_is_refused_after_the_decision(chat: dict[str, Chat], db: Database,
                                                people: dict[str, int]) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {GOOD}")
    chat["ed"](f"score {ref} {GOOD}")
    chat["sec"](f"decide {ref} approve strong")
    refused = chat["sec"](f"unassign {ref} ed").reply
    assert refused.tone == "error" and "decided" in refused.text[0]
    assert panel(db, ref) == {people["eva"], people["ed"]}
    assert status_of(db, ref) == "approved"
    assert [e for _, _, e, _ in score_rows(db, ref)] == [False, False]


def test_unassign_inside_the_case_thread(chat: dict[str, Chat], db: Database,
                                         people: dict[str, int]) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    with db.transaction() as session:
        app_id = session.scalar(select(Application.id).where(Application.ref == ref))
        session.add(ThreadLink(application_id=app_id, platform="console", channel_id="eval",
                               message_id="1700000000.0002"))
    thread = Where(platform="console", channel_id="eval", thread_id="1700000000.0002")
    outcome = chat["sec"]("unassign eva too close to the applicant", where=thread)
    assert outcome.reply.tone == "success", outcome.reply
    assert panel(db, ref) == {people["ed"]}
    assert _assignment(db, ref, people["eva"]).removed_reason == "too close to the applicant"
