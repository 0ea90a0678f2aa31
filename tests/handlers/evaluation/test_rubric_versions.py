"""The rubric is frozen per cut-off once its scoring starts: a later `rubric set` makes a new
version for the cut-offs still to be scored, and decided cases keep their totals."""

from __future__ import annotations

import datetime as dt

from storage.db import Database
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
LATER = dt.date(2026, 12, 31)


def _facts(chat: dict[str, Chat], ref: str) -> dict[str, str]:
    return {f.label: f.value for f in chat["sec"](f"show {ref}").reply.facts}


def _total(chat: dict[str, Chat], ref: str) -> str:
    return next(line for line in chat["sec"](f"show {ref}").reply.text
                if line.startswith("Weighted total"))


def _decided(chat: dict[str, Chat], db: Database) -> str:
    ref = scored_case(chat, db, "relevance=4 need=4 feasibility=4 impact=3")
    assert chat["sec"](f"decide {ref} approve strong fit").reply.tone == "success"
    assert chat["sec"](f"announce cutoff:{DAY}").reply.tone == "success"
    return ref


def test_a_rubric_edit_leaves_decided_cases_alone(chat: dict[str, Chat], db: Database) -> None:
    ref = _decided(chat, db)
    before = _total(chat, ref)
    assert before.startswith("Weighted total 15.00; passes")
    assert _facts(chat, ref)["Rubric"] == "version 1"
    changed = chat["sec"]("rubric set impact weight:2 threshold:4").reply
    assert changed.tone == "success"
    said = " ".join(changed.context)
    assert "Version 2 applies to the cut-offs whose scoring has not started" in said
    assert f"{DAY} (version 1)" not in said  # announced: nothing of it is still open
    assert _total(chat, ref) == before
    assert _facts(chat, ref)["Rubric"] == "version 1"
    assert status_of(db, ref) == "approved"


def test_a_cutoff_being_scored_keeps_its_version(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} relevance=4 need=4 feasibility=4 impact=4")
    # new criteria and scales are allowed now: they are for later cut-offs
    changed = chat["sec"]('rubric set green label:"Green transition"').reply
    assert changed.tone == "success", changed
    assert f"{DAY} (version 1)" in " ".join(changed.context)
    assert chat["sec"]("rubric set need max:10").reply.tone == "success"
    # the second evaluator scores on the cut-off's rubric: four criteria, 0 to 5
    second = chat["ed"](f"score {ref} relevance=4 need=5 feasibility=4 impact=4").reply
    assert second.tone == "success", second
    assert status_of(db, ref) == "scored"
    assert _facts(chat, ref)["Rubric"] == "version 1"
    assert "need=N" not in " ".join(chat["sec"](f"rubric cutoff:{DAY}").reply.context)
    frozen = chat["sec"](f"rubric cutoff:{DAY}").reply
    assert frozen.table is not None and [r[0] for r in frozen.table.rows] == [
        "relevance", "need", "feasibility", "impact"]
    # a later cut-off, not scored yet, follows the current rubric (version 3)
    add_cutoff(db, LATER)
    later = add_application(db, LATER)
    assert _facts(chat, later).get("Rubric") is None  # not in evaluation: no scoring part
    current = chat["sec"](f"rubric cutoff:{LATER.isoformat()}").reply
    assert current.title.endswith("version 3")
    assert "green" in [r[0] for r in current.table.rows]  # type: ignore[union-attr]


def test_the_card_names_the_version_before_scoring_starts(chat: dict[str, Chat],
                                                          db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    assert _facts(chat, ref)["Rubric"] == "version 1 (current; kept once scoring starts)"
    chat["sec"]("rubric set impact threshold:2")
    assert _facts(chat, ref)["Rubric"].startswith("version 2")


def test_the_rubric_keeps_at_least_one_criterion(chat: dict[str, Chat]) -> None:
    for key in ("relevance", "need", "feasibility"):
        assert chat["sec"](f"rubric set {key} active:no").reply.tone == "success"
    refused = chat["sec"]("rubric set impact active:no").reply
    assert refused.tone == "error" and "at least one active criterion" in refused.text[0]
