"""A decision and its announcement show in the case's evaluation thread: the root post is
edited to show the outcome (and the aggregate, never one evaluator's values), and a post in
the thread says what happened."""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.types import Notice, Outcome
from storage.db import Database
from storage.models import OutboxMessage, Place
from tests.conftest import Chat
from tests.evaluation_helpers import add_application, add_cutoff, status_of

DAY = "2026-11-25"
EVA = "relevance=5 need=1 feasibility=2 impact=3"  # shows as "Need 1"
ED = "relevance=2 need=4 feasibility=5 impact=0"  # shows as "Impact 0"
SAME = "relevance=4 need=4 feasibility=4 impact=4"


def _scored(chat: dict[str, Chat], db: Database, eva: str = EVA, ed: str = ED) -> str:
    ref = add_application(db)
    assert chat["sec"](f"eligible {ref} category:transition").reply.tone == "success"
    chat["sec"](f"cutoff close {DAY}")
    assert chat["sec"](f"assign {ref} eva ed").reply.tone == "success"
    chat["eva"](f"score {ref} {eva}")
    chat["ed"](f"score {ref} {ed}")
    assert status_of(db, ref) == "scored"
    return ref


def _by_key(outcome: Outcome) -> dict[str, Notice]:
    return {n.key: n for n in outcome.notices}


def _facts(notice: Notice) -> dict[str, str]:
    return {f.label: f.value for f in notice.card.facts}


def test_deciding_a_case_edits_the_root_and_posts_in_the_thread(chat: dict[str, Chat],
                                                                db: Database) -> None:
    add_cutoff(db)
    ref = _scored(chat, db)
    outcome = chat["sec"](f"decide {ref} approve the need is pressing")
    assert outcome.reply.tone == "success", outcome.reply
    notices = _by_key(outcome)
    edit = notices[f"case:{ref}:decided:1"]
    assert edit.edit_of == f"case:{ref}:post" and edit.thread_key == f"case:{ref}"
    facts = _facts(edit)
    assert facts["Decision"] == "approved (not announced yet)"
    assert facts["Status"] == "approved" and facts["Progress"] == "2 of 2 scored"
    shown = repr(edit.card)
    # the aggregate may show now that every score is in, one evaluator's values never
    assert "Need 2.50" in shown and "Weighted total" in shown
    assert "Need 1" not in shown and "Impact 0" not in shown and "Need 4" not in shown
    assert [b.label for b in edit.card.buttons] == ["Show"]
    post = notices[f"case:{ref}:decision:1"]
    assert post.thread_key == f"case:{ref}" and post.edit_of is None
    assert "decision recorded" in post.card.title and "approved" in post.card.title
    assert "Need 1" not in repr(post.card) and "Impact 0" not in repr(post.card)

    revised = _by_key(chat["sec"](f"decide {ref} reject the region withdrew"))
    assert _facts(revised[f"case:{ref}:decided:2"])["Decision"] == "rejected (not announced yet)"
    assert "revised" in revised[f"case:{ref}:decision:2"].card.title


def test_a_confirmed_proposal_shows_in_every_case_thread(chat: dict[str, Chat],
                                                         db: Database) -> None:
    add_cutoff(db, capacity=1)
    first = _scored(chat, db, SAME, SAME)
    second = _scored(chat, db, SAME, SAME)
    shown = chat["sec"](f"decide cutoff:{DAY}").reply
    assert not _by_key(chat["sec"](f"decide cutoff:{DAY}"))  # a proposal changes nothing
    confirmed = chat["sec"](shown.buttons[0].command)
    assert confirmed.reply.tone == "success", confirmed.reply
    notices = _by_key(confirmed)
    assert _facts(notices[f"case:{first}:decided:1"])["Decision"].startswith("approved")
    assert _facts(notices[f"case:{second}:decided:1"])["Decision"].startswith("reserve list")
    assert {f"case:{first}:decision:1", f"case:{second}:decision:1"} <= set(notices)
    assert len(confirmed.notices) == 4


def test_the_announcement_shows_in_the_thread_and_reaches_the_outbox(
        chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    with db.transaction() as session:
        session.add(Place(platform="slack", purpose="evaluation", channel_id="C1"))
    ref = _scored(chat, db)
    out = add_application(db)
    chat["sec"](f"ineligible {out} not a public authority")
    chat["sec"](f"decide {ref} reserve capacity")
    announced = chat["sec"](f"announce cutoff:{DAY}")
    assert announced.reply.tone == "success", announced.reply
    notices = _by_key(announced)
    edit = notices[f"case:{ref}:announced:1"]
    assert edit.edit_of == f"case:{ref}:post"
    assert _facts(edit)["Decision"] == "reserve list (announced 26 November 2026)"
    assert "Need 1" not in repr(edit.card) and "Impact 0" not in repr(edit.card)
    post = notices[f"case:{ref}:announcement:1"]
    assert post.thread_key == f"case:{ref}" and "announced" in post.card.title
    # a case screened out never had an evaluation thread
    assert not [k for k in notices if k.startswith(f"case:{out}:")]

    moved = _by_key(chat["sec"](f"decide {ref} approve an assignment became free"))
    assert _facts(moved[f"case:{ref}:decided:2"])["Decision"] == "approved (not announced yet)"
    again = _by_key(chat["sec"](f"announce cutoff:{DAY}"))
    assert f"case:{ref}:announced:2" in again and f"case:{ref}:announcement:2" in again

    with db.read() as session:
        rows = {m.dedupe_key: m for m in session.scalars(select(OutboxMessage))}
    for key in (f"case:{ref}:decided:1", f"case:{ref}:announced:1", f"case:{ref}:decided:2",
                f"case:{ref}:announced:2"):
        assert rows[f"{key}:slack:C1"].edit_of == f"case:{ref}:post:slack:C1"
    for key in (f"case:{ref}:decision:1", f"case:{ref}:announcement:1"):
        assert rows[f"{key}:slack:C1"].thread_key == f"case:{ref}"
