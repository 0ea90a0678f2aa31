"""The consensus request in a case's thread: once per divergence episode (a set of diverging
criteria between two consensus recordings), not on every revision while scores stay apart."""

from __future__ import annotations

from handlers.core.types import Outcome
from storage.db import Database
from tests.conftest import Chat
from tests.evaluation_helpers import add_cutoff, add_evaluator, audits, open_case, talk

APART_ON_NEED = "relevance=4 need=1 feasibility=4 impact=4"
ED = "relevance=4 need=5 feasibility=4 impact=4"


def _requests(outcome: Outcome, ref: str) -> list[str]:
    """Keys of the consensus requests among the outcome's notices, whatever their key."""
    return [n.key for n in outcome.notices
            if n.thread_key == f"case:{ref}" and "consensus needed" in n.card.title]


def _case(chat: dict[str, Chat], db: Database) -> str:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    assert _requests(chat["eva"](f"score {ref} {APART_ON_NEED}"), ref) == []
    completed = chat["ed"](f"score {ref} {ED}")
    assert _requests(completed, ref) == [f"case:{ref}:consensus:need"]
    return ref


def test_one_request_per_episode_while_scores_stay_apart(chat: dict[str, Chat],
                                                         db: Database) -> None:
    ref = _case(chat, db)
    # still apart on need: the thread already asked
    assert _requests(chat["eva"](f"score {ref} relevance=3 need=1 feasibility=4 impact=4 "
                                 "second look"), ref) == []
    assert _requests(chat["ed"](f"score {ref} {ED} unchanged"), ref) == []
    # a new criterion apart is a new set of criteria to agree on
    wider = chat["eva"](f"score {ref} relevance=4 need=1 feasibility=4 impact=1")
    assert _requests(wider, ref) == [f"case:{ref}:consensus:impact,need"]
    request = next(n for n in wider.notices if n.key == f"case:{ref}:consensus:impact,need")
    assert request.thread_key == f"case:{ref}" and request.card.tone == "warning"
    assert "Impact" in request.card.text[0] and "Need" in request.card.text[0]
    # back to need alone: asked already in this episode
    assert _requests(chat["eva"](f"score {ref} {APART_ON_NEED}"), ref) == []
    # close together: nothing to ask
    assert _requests(chat["eva"](f"score {ref} {ED}"), ref) == []
    requested = [a.after for a in audits(db, "consensus", "request")]
    assert requested == [{"criteria": ["need"], "round": 0},
                         {"criteria": ["impact", "need"], "round": 0}]


def test_after_a_consensus_a_new_divergence_asks_again(chat: dict[str, Chat],
                                                       db: Database) -> None:
    ref = _case(chat, db)
    recorded = chat["sec"](f"consensus {ref} need=3 "
                           "agreed in the call")
    assert recorded.reply.tone == "success", recorded.reply
    assert [n.key for n in recorded.notices] == [f"case:{ref}:consensus-recorded:1"]
    again = chat["eva"](f"score {ref} relevance=4 need=2 feasibility=4 impact=4")
    assert _requests(again, ref) == [f"case:{ref}:consensus:need:1"]
    assert _requests(chat["ed"](f"score {ref} {ED} still five"), ref) == []
    chat["sec"](f"consensus {ref} need=4 agreed again")
    assert _requests(chat["ed"](f"score {ref} {ED} once more"), ref) == \
        [f"case:{ref}:consensus:need:2"]


def test_a_new_panel_member_completing_the_case_asks_only_if_not_asked(
        chat: dict[str, Chat], db: Database) -> None:
    ref = _case(chat, db)
    add_evaluator(db, "iva")
    assert chat["sec"](f"unassign {ref} ed").reply.tone == "success"
    chat["sec"](f"assign {ref} iva")
    # the same criteria are apart with the new panel: the episode goes on
    completed = talk(chat, "iva")(f"score {ref} {ED}")
    assert any(":complete:" in n.key for n in completed.notices)
    assert _requests(completed, ref) == []
