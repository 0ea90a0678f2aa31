"""`status` makes only the moves that record nothing; a move that needs a record is refused
with the command that keeps it, and the case card offers only what is allowed now."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database
from storage.models import ApplicantNotification, AuditEntry, Decision
from tests.conftest import Chat
from tests.evaluation_helpers import (
    CUTOFF,
    add_application,
    add_cutoff,
    open_case,
    scored_case,
    status_of,
)

DAY = CUTOFF.isoformat()


def _refused(chat: dict[str, Chat], text: str) -> str:
    reply = chat["sec"](text).reply
    assert reply.tone == "error", (text, reply)
    return reply.text[0]


def _status_rows(db: Database) -> int:
    with db.read() as session:
        return len(list(session.scalars(select(AuditEntry.id)
                                         .where(AuditEntry.action == "status"))))


def test_scored_is_reached_only_by_scoring(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    before = _status_rows(db)
    message = _refused(chat, f"status {ref} scored")
    assert f"`score {ref} ...`" in message
    assert status_of(db, ref) == "in_evaluation" and _status_rows(db) == before


def test_a_decision_is_reached_only_by_decide(chat: dict[str, Chat], db: Database) -> None:
    ref = scored_case(chat, db)
    assert f"`decide {ref} approve REASON`" in _refused(chat, f"status {ref} approved")
    assert f"`decide {ref} reject REASON`" in _refused(chat, f"status {ref} rejected")
    assert "`unassign" in _refused(chat, f"status {ref} in_evaluation")
    with db.read() as session:
        assert session.scalar(select(Decision.id)) is None
    assert status_of(db, ref) == "scored"


def test_screening_outcomes_need_their_commands(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    assert f"`ineligible {ref} REASON`" in _refused(chat, f"status {ref} ineligible")
    assert f"`eligible {ref} category:" in _refused(chat, f"status {ref} eligible")
    # an illegal move lists what is possible and how
    message = _refused(chat, f"status {ref} approved")
    assert "allowed: eligible, ineligible, screening, withdrawn" in message
    assert f"`status {ref} screening`" in message and f"`ineligible {ref} REASON`" in message
    assert status_of(db, ref) == "received"


def test_opening_evaluation_is_the_cutoffs_close(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    chat["sec"](f"eligible {ref} category:transition")
    assert f"`cutoff close {DAY}`" in _refused(chat, f"status {ref} in_evaluation")


def test_plain_moves_still_work(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    first, second = add_application(db), add_application(db)
    assert chat["sec"](f"status {first} screening documents checked").reply.tone == "success"
    assert chat["sec"](f"status {second} withdrawn the region withdrew").reply.tone == "success"
    assert status_of(db, first) == "screening" and status_of(db, second) == "withdrawn"


def test_delivery_moves_need_the_expert_and_milestones(chat: dict[str, Chat],
                                                       db: Database) -> None:
    ref = scored_case(chat, db)
    chat["sec"](f"decide {ref} approve strong fit")
    assert f"`expert {ref} NAME`" in _refused(chat, f"status {ref} co_design")
    assert chat["sec"](f"status {ref} expert_matching").reply.tone == "success"
    assert f"`expert {ref} NAME`" in _refused(chat, f"status {ref} co_design")


def test_the_card_offers_only_moves_allowed_now(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    buttons = [b.command for b in chat["sec"](f"show {ref}").reply.buttons]
    assert f"status {ref} scored" not in buttons
    assert not any(b.startswith("status ") for b in buttons), buttons
    fresh = add_application(db, category="transition")
    buttons = [b.command for b in chat["sec"](f"show {fresh}").reply.buttons]
    assert f"status {fresh} screening" in buttons and f"eligible {fresh}" in buttons
    assert f"status {fresh} ineligible" not in buttons


def test_notified_waits_for_the_announcement(chat: dict[str, Chat], db: Database) -> None:
    ref = scored_case(chat, db)
    assert "no decision yet" in _refused(chat, f"notified {ref} email")
    chat["sec"](f"decide {ref} reserve over capacity")
    message = _refused(chat, f"notified {ref} email")
    assert "not announced yet" in message and f"`announce cutoff:{DAY}`" in message
    assert chat["sec"](f"announce cutoff:{DAY}").reply.tone == "success"
    # the reserve list decided again: its letter waits for the new announcement
    chat["sec"](f"decide {ref} approve a place came free")
    assert "not announced yet" in _refused(chat, f"notified {ref} email")
    with db.read() as session:
        assert session.scalar(select(ApplicantNotification.sent_at)) is None
    assert chat["sec"](f"announce cutoff:{DAY}").reply.tone == "success"
    assert chat["sec"](f"notified {ref} email").reply.tone == "success"


def test_a_closed_case_says_it_moves_no_further(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, status="rejected")
    message = _refused(chat, f"status {ref} scored")
    assert message == f"{ref} is rejected: the case is closed and moves no further"
    assert status_of(db, ref) == "rejected"
