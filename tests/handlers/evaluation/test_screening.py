"""Screening and closing a cut-off: eligible cases go to evaluation, the rest is reported."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from sqlalchemy import select

from handlers.core.config import ProgrammeConfig
from handlers.evaluation.closing import close_due_cutoffs
from storage.db import Database
from storage.models import Cutoff, Decision, OutboxMessage, Place, Region
from tests.conftest import Chat
from tests.evaluation_helpers import (
    BRUSSELS,
    CUTOFF,
    add_application,
    add_cutoff,
    audits,
    status_of,
)


def test_close_moves_eligible_cases_and_reports_unscreened(chat: dict[str, Chat],
                                                           db: Database) -> None:
    add_cutoff(db)
    first, second, waiting = add_application(db), add_application(db), add_application(db)
    screening = add_application(db, status="screening")
    for ref in (first, second):
        assert chat["sec"](f"eligible {ref} category:transition").reply.tone == "success"
    outcome = chat["sec"]("cutoff close 2026-11-25")
    assert outcome.reply.tone == "success"
    facts = {f.label: f.value for f in outcome.reply.facts}
    assert facts["Now in evaluation"] == f"{first}, {second}"
    assert facts["Not screened"] == f"{waiting}, {screening}"
    assert status_of(db, first) == status_of(db, second) == "in_evaluation"
    assert status_of(db, waiting) == "received"
    assert status_of(db, screening) == "screening"
    with db.read() as session:
        cutoff = session.scalar(select(Cutoff))
        assert cutoff is not None and cutoff.closed_at is not None
        assert cutoff.evaluation_deadline == dt.date(2026, 12, 17)
    assert [a.entity_id for a in audits(db, "cutoff", "close")] == ["2026-11-25"]


def test_opening_notice_starts_the_case_thread(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    chat["sec"](f"eligible {ref} category:less_developed")
    notice = chat["sec"]("cutoff close 2026-11-25").notices[0]
    assert notice.audience.kind == "places" and notice.audience.purpose == "evaluation"
    assert notice.starts_thread and notice.thread_key == f"case:{ref}"
    assert notice.key == f"case:{ref}:post"
    facts = {f.label: f.value for f in notice.card.facts}
    assert facts["Progress"] == "0 of 2 scored"
    assert [(b.label, b.command) for b in notice.card.buttons] == [
        ("Score", f"score {ref}"), ("Declare conflict", f"coi {ref}"), ("Show", f"show {ref}")]
    shown = repr(notice.card)
    assert "contact" not in shown.lower() and "@example.eu" not in shown


def test_close_before_the_date_needs_a_reason(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db, dt.date(2026, 12, 31))
    refused = chat["sec"]("cutoff close 2026-12-31").reply
    assert refused.tone == "error" and "early:" in refused.text[0]
    done = chat["sec"]('cutoff close 2026-12-31 early:"board meets on the 20th"').reply
    assert done.tone == "success"
    assert audits(db, "cutoff", "close_early")[0].after == {"reason": "board meets on the 20th"}
    again = chat["sec"]("cutoff close 2026-12-31").reply
    assert again.tone == "error" and "already closed" in again.text[0]


def test_only_the_secretariat_closes_and_bad_dates_are_explained(chat: dict[str, Chat],
                                                                 db: Database) -> None:
    add_cutoff(db)
    assert chat["eva"]("cutoff close 2026-11-25").reply.tone == "error"
    assert chat["sec"]("cutoff close 2026-13-45").reply.text[0].endswith("YYYY-MM-DD")
    assert "No cut-off" in chat["sec"]("cutoff close 2026-01-01").reply.text[0]
    with db.read() as session:
        assert session.scalar(select(Cutoff.closed_at)) is None


def test_scheduler_closes_due_cutoffs_once(db: Database, config: ProgrammeConfig,
                                           chat: dict[str, Chat]) -> None:
    add_cutoff(db)
    add_cutoff(db, dt.date(2026, 12, 31))
    ref = add_application(db)
    chat["sec"](f"eligible {ref} category:transition")
    with db.transaction() as session:
        session.add(Place(platform="slack", purpose="evaluation", channel_id="C1"))
    at = datetime(2026, 11, 26, 0, 5, tzinfo=BRUSSELS)
    with db.transaction() as session:
        reports = close_due_cutoffs(session, at, config)
    assert [(r.cutoff_date, r.moved) for r in reports] == [(CUTOFF, [ref])]
    with db.transaction() as session:
        assert close_due_cutoffs(session, at, config) == []
    assert status_of(db, ref) == "in_evaluation"
    with db.read() as session:
        keys = set(session.scalars(select(OutboxMessage.dedupe_key)))
    assert f"case:{ref}:post:slack:C1" in keys
    closing = audits(db, "cutoff", "close")
    assert len(closing) == 1 and closing[0].source == "scheduler"


def test_eligible_confirms_the_category_and_remembers_it_for_the_region(
        chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, region="EL51")
    assert "category" in chat["sec"](f"eligible {ref}").reply.text[0]
    assert chat["sec"](f"eligible {ref} category:rich").reply.tone == "error"
    assert chat["sec"](f"eligible {ref} category:less-developed").reply.tone == "success"
    with db.read() as session:
        assert session.get(Region, "EL51").cohesion_category == "less_developed"  # type: ignore[union-attr]
    later = add_application(db, region="EL51")
    assert chat["sec"](f"eligible {later}").reply.tone == "success"  # the region's default
    corrected = chat["sec"](f"eligible {ref} category:transition").reply
    assert corrected.title.endswith("category corrected")
    assert chat["sec"](f"eligible {ref} category:transition").reply.tone == "error"


def test_case_screened_after_closing_goes_straight_to_evaluation(chat: dict[str, Chat],
                                                                 db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    chat["sec"]("cutoff close 2026-11-25")
    outcome = chat["sec"](f"eligible {ref} category:transition")
    assert status_of(db, ref) == "in_evaluation"
    assert outcome.notices[0].key == f"case:{ref}:post"


def test_ineligible_is_a_decision_with_a_reason(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    assert "say why" in chat["sec"](f"ineligible {ref}").reply.text[0]
    assert chat["eva"](f"ineligible {ref} no").reply.tone == "error"
    assert chat["sec"](f"ineligible {ref} Not a regional authority.").reply.tone == "success"
    assert status_of(db, ref) == "ineligible"
    with db.read() as session:
        decision = session.scalar(select(Decision))
        assert decision is not None
        assert (decision.outcome, decision.reason) == ("ineligible", "Not a regional authority.")
    assert chat["sec"](f"ineligible {ref} again").reply.tone == "error"
    assert chat["sec"](f"eligible {ref} category:transition").reply.tone == "error"


def test_an_ineligible_screening_is_reversed_before_the_announcement(
        chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db)
    chat["sec"](f"ineligible {ref} Not a regional authority.")
    wrong = chat["sec"](f"decide {ref} approve it is eligible after all").reply
    assert wrong.tone == "error" and f'eligible {ref} reason:"..."' in wrong.text[0]
    unexplained = chat["sec"](f"eligible {ref} category:transition").reply
    assert unexplained.tone == "error" and 'reason:"..."' in unexplained.text[0]
    assert chat["eva"](f'eligible {ref} category:transition reason:"x"').reply.tone == "error"
    assert status_of(db, ref) == "ineligible"
    done = chat["sec"](f'eligible {ref} category:transition reason:"the agency is '
                       'mandated by the region"').reply
    assert done.tone == "success", done
    assert done.title.endswith("eligible after all")
    assert status_of(db, ref) == "eligible"
    with db.read() as session:
        assert session.scalar(select(Decision)) is None
    (deleted,) = audits(db, "decision", "delete")
    assert deleted.entity_id == ref
    assert deleted.before == {"outcome": "ineligible", "reason": "Not a regional authority.",
                              "revision": 1}
    assert deleted.after == {"why": "the agency is mandated by the region"}
    moved = [a for a in audits(db, "application", "status") if a.entity_id == ref]
    assert moved[-1].before["status"] == "ineligible"  # type: ignore[index]
    assert moved[-1].after == {"status": "eligible",
                               "reason": "the agency is mandated by the region"}
    # it now goes the usual way: to evaluation when the cut-off closes
    closed = chat["sec"]("cutoff close 2026-11-25")
    assert status_of(db, ref) == "in_evaluation"
    assert closed.notices[0].key == f"case:{ref}:post"


def test_reversal_after_closing_goes_straight_to_evaluation(chat: dict[str, Chat],
                                                            db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, category="transition")
    chat["sec"](f"ineligible {ref} Outside the programme.")
    chat["sec"]("cutoff close 2026-11-25")
    outcome = chat["sec"](f'eligible {ref} reason:"misread the statutes"')
    assert outcome.reply.tone == "success", outcome.reply
    assert status_of(db, ref) == "in_evaluation"
    assert outcome.notices[0].key == f"case:{ref}:post"


def test_an_announced_ineligible_screening_is_final(chat: dict[str, Chat],
                                                    db: Database) -> None:
    add_cutoff(db)
    ref = add_application(db, category="transition")
    chat["sec"](f"ineligible {ref} Outside the programme.")
    chat["sec"]("cutoff close 2026-11-25")
    assert chat["sec"]("announce cutoff:2026-11-25").reply.tone == "success"
    refused = chat["sec"](f'eligible {ref} reason:"misread the statutes"').reply
    assert refused.tone == "error" and "announced" in refused.text[0]
    assert status_of(db, ref) == "ineligible"
    with db.read() as session:
        decision = session.scalar(select(Decision))
        assert decision is not None and decision.outcome == "ineligible"
    assert audits(db, "decision", "delete") == []
    late = chat["sec"](f"decide {ref} approve reconsidered").reply
    assert late.tone == "error" and "no longer change" in late.text[0]
