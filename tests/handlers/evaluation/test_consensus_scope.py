"""A consensus covers the diverging criteria only, and the cut-off's proposal holds a case
whose consensus is still open (saying why) instead of proposing it as if settled."""

from __future__ import annotations

from storage.db import Database
from tests.conftest import Chat
from tests.evaluation_helpers import CUTOFF, open_case, scored_case, status_of

DAY = CUTOFF.isoformat()
APART_ON_NEED = ("relevance=4 need=1 feasibility=4 impact=4",
                 "relevance=4 need=5 feasibility=4 impact=4")


def _apart(chat: dict[str, Chat], db: Database, values: tuple[str, str] = APART_ON_NEED,
           *, cutoff: bool = True) -> str:
    if cutoff:
        return scored_case(chat, db, *values)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {values[0]}")
    chat["ed"](f"score {ref} {values[1]}")
    return ref


def test_only_the_diverging_criterion_is_asked(chat: dict[str, Chat], db: Database) -> None:
    ref = _apart(chat, db)
    request = chat["sec"](f"show {ref}").reply
    assert any(f.label == "Divergence" and f.value == "need (consensus needed)"
               for f in request.facts)
    done = chat["sec"](f"consensus {ref} need=3 agreed in the call").reply
    assert done.tone == "success", done
    assert any("consensus on Need" in line for line in done.text)
    facts = {f.label: f.value for f in chat["sec"](f"show {ref}").reply.facts}
    assert facts["Divergence"] == "need (consensus recorded)"


def test_a_criterion_that_did_not_diverge_is_refused(chat: dict[str, Chat],
                                                     db: Database) -> None:
    ref = _apart(chat, db)
    refused = chat["sec"](f"consensus {ref} need=3 relevance=5 agreed").reply
    assert refused.tone == "error"
    assert "relevance (spread 0) did not diverge" in refused.text[0]
    assert "far apart only: need" in refused.text[0]


def test_criteria_may_be_agreed_one_at_a_time(chat: dict[str, Chat], db: Database) -> None:
    ref = _apart(chat, db, ("relevance=4 need=1 feasibility=4 impact=1",
                            "relevance=4 need=5 feasibility=4 impact=5"))
    first = chat["sec"](f"consensus {ref} need=3 agreed on need").reply
    assert first.tone == "success"
    assert any("Still far apart without a consensus: impact" in line for line in first.text)
    second = chat["sec"](f"consensus {ref} impact=4 agreed on impact").reply
    assert not any("Still far apart" in line for line in second.text)
    assert "Consensus: agreed on need; agreed on impact" in chat["sec"](f"show {ref}").reply.text


def test_a_case_with_no_divergence_needs_no_consensus(chat: dict[str, Chat],
                                                      db: Database) -> None:
    ref = _apart(chat, db, ("relevance=4 need=4 feasibility=4 impact=4",) * 2)
    refused = chat["sec"](f"consensus {ref} need=3 why not").reply
    assert refused.tone == "error" and "no consensus is needed" in refused.text[0]


def test_the_proposal_holds_a_case_with_open_consensus(chat: dict[str, Chat],
                                                       db: Database) -> None:
    held = _apart(chat, db)
    settled = _apart(chat, db, ("relevance=4 need=4 feasibility=4 impact=4",) * 2,
                     cutoff=False)
    proposal = chat["sec"](f"decide cutoff:{DAY}").reply
    rows = {row[0]: row for row in proposal.table.rows}  # type: ignore[union-attr]
    assert rows[held][2].startswith("HELD: consensus open on need")
    assert not rows[settled][2].startswith("HELD")
    said = " ".join(proposal.context)
    assert f"{held} (scores far apart on need: `consensus {held} need=N REASON`)" in said
    assert not proposal.buttons
    refused = chat["sec"](f"decide cutoff:{DAY} confirm").reply
    assert refused.tone == "error" and "Held back" in refused.text[0]
    assert status_of(db, settled) == "scored"
    chat["sec"](f"consensus {held} need=4 agreed in the call")
    proposal = chat["sec"](f"decide cutoff:{DAY}").reply
    assert proposal.buttons and "Held" not in " ".join(proposal.context)
    assert chat["sec"](proposal.buttons[0].command).reply.tone == "success"
    assert status_of(db, held) == status_of(db, settled) == "approved"
