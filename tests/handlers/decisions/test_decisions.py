"""Decisions: the proposal (rank, priority among equals, capacity, thresholds), its guarded
confirmation, decisions case by case and their revision rules."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.db import Database
from storage.models import Decision
from tests.conftest import Chat
from tests.evaluation_helpers import (
    add_application,
    add_cutoff,
    audits,
    status_of,
)

DAY = "2026-11-25"


def _all(value: int, need: int | None = None) -> str:
    return (f"relevance={value} need={value if need is None else need} "
            f"feasibility={value} impact={value}")


def _scored(chat: dict[str, Chat], db: Database, values: str, *,
            category: str = "transition", challenges: list[str] | None = None) -> str:
    ref = add_application(db, challenges=challenges)
    assert chat["sec"](f"eligible {ref} category:{category}").reply.tone == "success"
    chat["sec"](f"cutoff close {DAY}")
    assert chat["sec"](f"assign {ref} eva ed").reply.tone == "success"
    chat["eva"](f"score {ref} {values}")
    chat["ed"](f"score {ref} {values}")
    assert status_of(db, ref) == "scored"
    return ref


def _rows(reply_table: object) -> dict[str, tuple[str, str]]:
    rows = getattr(reply_table, "rows", ())
    return {ref: (outcome, why) for ref, outcome, why in rows}


def test_proposal_ranks_with_priority_among_equals_and_capacity(
        chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db, capacity=2)
    plain = _scored(chat, db, _all(4))
    poorer = _scored(chat, db, _all(4), category="less_developed")
    challenged = _scored(chat, db, _all(4), challenges=["green"])
    best = _scored(chat, db, _all(5))
    weak = _scored(chat, db, _all(4, need=2))
    reply = chat["sec"](f"decide cutoff:{DAY}").reply
    rows = _rows(reply.table)
    assert [r[0] for r in reply.table.rows] == [best, poorer, challenged, plain, weak]  # type: ignore[union-attr]
    assert rows[best][0] == "approve" and "rank 1 of 4" in rows[best][1]
    assert rows[poorer][0] == "approve" and "less-developed region" in rows[poorer][1]
    assert f"tied with {plain}, ahead of it on priority" in rows[poorer][1]
    assert f"tied with {challenged} on total and priority, ahead of it by submission" \
        in rows[poorer][1]
    assert rows[challenged][0] == "reserve" and "over capacity" in rows[challenged][1]
    assert rows[plain][0] == "reserve"
    assert f"tied with {poorer}, behind it on priority" in rows[plain][1]
    assert rows[weak][0] == "reject" and "Need 2.00 < 3" in rows[weak][1]
    # nothing changes until confirmed
    assert {status_of(db, r) for r in (plain, poorer, challenged, best, weak)} == {"scored"}
    code = {f.label: f.value for f in reply.facts}["Proposal code"]
    assert reply.buttons[0].command == f"decide cutoff:{DAY} confirm {code}"
    done = chat["sec"](reply.buttons[0].command).reply
    assert done.tone == "success", done
    assert [status_of(db, r) for r in (best, poorer, challenged, plain, weak)] == [
        "approved", "approved", "reserve", "reserve", "rejected"]
    with db.read() as session:
        reasons = {d.outcome: d.reason for d in session.scalars(select(Decision))}
    assert "within capacity (2 of 2)" in reasons["approve"]
    assert len(audits(db, "decision", "decide")) == 5


def test_priority_bonus_lifts_priority_cases(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db, capacity=1)
    strong = _scored(chat, db, _all(4))
    poorer = _scored(chat, db, _all(3), category="less_developed")
    assert chat["sec"]("priority bonus 5").reply.tone == "success"
    assert chat["obs"]("priority bonus 9").reply.tone == "error"
    rows = _rows(chat["sec"](f"decide cutoff:{DAY}").reply.table)
    assert rows[poorer][0] == "approve" and "with the priority bonus" in rows[poorer][1]
    assert rows[strong][0] == "reserve"
    chat["sec"]("priority bonus 0")
    rows = _rows(chat["sec"](f"decide cutoff:{DAY}").reply.table)
    assert rows[strong][0] == "approve"


def test_confirm_refuses_when_the_data_changed(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db, capacity=1)
    first = _scored(chat, db, _all(4))
    second = _scored(chat, db, _all(3))
    unshown = chat["sec"](f"decide cutoff:{DAY} confirm").reply
    assert unshown.tone == "error" and "show the proposal first" in unshown.text[0]
    shown = chat["sec"](f"decide cutoff:{DAY}").reply
    code = {f.label: f.value for f in shown.facts}["Proposal code"]
    assert chat["sec"](f"cutoffs capacity {DAY} 2").reply.tone == "success"
    changed = chat["sec"](f"decide cutoff:{DAY} confirm {code}")
    assert changed.reply.tone == "warning" and "data changed" in changed.reply.title
    assert status_of(db, first) == status_of(db, second) == "scored"
    new_code = {f.label: f.value for f in changed.reply.facts}["Proposal code"]
    assert new_code != code
    stale = chat["sec"](f"decide cutoff:{DAY} confirm {code}").reply
    assert stale.tone == "error" and "not the one last shown" in stale.text[0]
    assert chat["sec"](f"decide cutoff:{DAY} confirm {new_code}").reply.tone == "success"
    assert status_of(db, first) == status_of(db, second) == "approved"


def test_cases_not_scored_block_the_confirmation(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    done = _scored(chat, db, _all(4))
    waiting = add_application(db)
    reply = chat["sec"](f"decide cutoff:{DAY}").reply
    assert not reply.buttons and f"{waiting} (received)" in reply.context[0]
    refused = chat["sec"](f"decide cutoff:{DAY} confirm").reply
    assert refused.tone == "error" and waiting in refused.text[0]
    assert status_of(db, done) == "scored"


def test_case_by_case_decisions_and_revisions(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = _scored(chat, db, _all(4))
    other = _scored(chat, db, _all(4))
    assert "reason" in chat["sec"](f"decide {ref} approve").reply.text[0]
    assert "not an outcome" in chat["sec"](f"decide {ref} maybe why").reply.text[0]
    assert chat["eva"](f"decide {ref} approve fine").reply.tone == "error"
    assert chat["sec"](f"decide {ref} approve strong and ready").reply.tone == "success"
    assert status_of(db, ref) == "approved"
    assert "already decided" in chat["sec"](f"decide {ref} approve again").reply.text[0]
    revised = chat["sec"](f"decide {ref} reject the region withdrew its support").reply
    assert revised.tone == "success" and status_of(db, ref) == "rejected"
    revision = audits(db, "decision", "revise")[0]
    assert revision.before["outcome"] == "approve"  # type: ignore[index]
    assert revision.after == {"outcome": "reject", "revision": 2,
                              "reason": "the region withdrew its support"}
    chat["sec"](f"decide {other} reserve capacity")
    assert chat["sec"](f"announce cutoff:{DAY}").reply.tone == "success"
    late = chat["sec"](f"decide {ref} approve reconsidered").reply
    assert late.tone == "error" and "announced" in late.text[0]
    # the reserve list may still move after the announcement
    moved = chat["sec"](f"decide {other} approve an assignment became free").reply
    assert moved.tone == "success" and status_of(db, other) == "approved"
    with db.read() as session:
        decision = session.scalar(select(Decision).where(Decision.outcome == "approve"))
        assert decision is not None
        assert decision.revision == 2 and decision.announced_at is None


def test_decide_waits_for_all_scores(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    chat["sec"](f"eligible {ref} category:transition")
    chat["sec"](f"cutoff close {DAY}")
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {_all(4)}")
    refused = chat["sec"](f"decide {ref} approve looks good").reply
    assert refused.tone == "error" and "1 of 2 scored" in refused.text[0]


def test_capacity_settings(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    assert chat["sec"]("cutoffs capacity default 4").reply.tone == "success"
    shown = chat["sec"](f"decide cutoff:{DAY}").reply
    assert {f.label: f.value for f in shown.facts}["Capacity"] == "4"
    assert chat["sec"](f"cutoffs capacity {DAY} 3").reply.tone == "success"
    shown = chat["sec"](f"decide cutoff:{DAY}").reply
    assert {f.label: f.value for f in shown.facts}["Capacity"] == "3"
    assert chat["sec"](f"cutoffs capacity {DAY} many").reply.tone == "error"
    assert chat["eva"](f"cutoffs capacity {DAY} 9").reply.tone == "error"
    assert [a.after for a in audits(db, "cutoff", "capacity")] == [{"capacity": 3}]


def test_the_case_card_follows_the_decision_and_its_letter(chat: dict[str, Chat],
                                                           db: Database) -> None:
    add_cutoff(db)
    ref = _scored(chat, db, _all(4))

    def facts(who: str = "sec") -> dict[str, str]:
        card = chat[who](f"show {ref}").reply
        return {fact.label: fact.value for fact in card.facts}

    assert "Decision" not in facts()
    chat["sec"](f"decide {ref} approve strong and ready")
    chat["sec"](f"decide {ref} reserve capacity is short")
    shown = facts()
    assert shown["Decision"] == "reserve (not announced yet, revision 2)"
    assert shown["Decision reason"] == "capacity is short"
    assert shown["Applicant informed"] == "not yet (drafted at the announcement)"
    chat["sec"](f"announce cutoff:{DAY}")
    shown = facts()
    assert shown["Decision"] == "reserve (announced, revision 2)"
    assert shown["Applicant informed"] == "letter drafted, not sent yet"
    chat["sec"](f"notified {ref} email of 27 Nov")
    assert re.fullmatch(r"yes, \d{4}-\d\d-\d\d \(email of 27 Nov\)",
                        facts()["Applicant informed"])
    # evaluators see the decision, not how the applicant was told
    assert "Applicant informed" not in facts("eva") and "Decision" in facts("eva")
