"""Blind scoring: until every evaluator has scored, only the secretariat sees values; an
evaluator sees their own; everyone who may see the case sees the progress."""

from __future__ import annotations

from sqlalchemy import select

from handlers.cases.card import CaseView, fill_case_view
from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Application
from tests.conftest import Chat
from tests.evaluation_helpers import add_cutoff, add_evaluator, open_case, talk

EVA = "relevance=5 need=1 feasibility=2 impact=3"  # shows as "Need 1"
ED = "relevance=2 need=4 feasibility=5 impact=0"  # shows as "Impact 0"


def _seen(chat: Chat, ref: str) -> str:
    reply = chat(f"show {ref}").reply
    assert reply.tone != "error", reply
    return repr(reply)


def _channel_view(db: Database, ref: str) -> str:
    load_registry()
    with db.read() as session:
        app = session.scalar(select(Application).where(Application.ref == ref))
        assert app is not None
        return repr(fill_case_view(session, app, None, CaseView(ProgrammeConfig())))


def test_values_stay_hidden_until_all_are_in(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    add_evaluator(db, "iva")
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed iva")
    eva_notices = chat["eva"](f"score {ref} {EVA}").notices
    ed_notices = chat["ed"](f"score {ref} {ED}").notices
    for notice in (*eva_notices, *ed_notices):
        assert "Need 1" not in repr(notice.card) and "Impact 0" not in repr(notice.card)

    secretariat = _seen(chat["sec"], ref)
    assert "Need 1" in secretariat and "Impact 0" in secretariat
    assert "2 of 3 scored" in secretariat

    observer = _seen(chat["obs"], ref)
    assert "2 of 3 scored" in observer
    assert "Need 1" not in observer and "Impact 0" not in observer

    own = _seen(chat["eva"], ref)
    assert "Need 1" in own and "Impact 0" not in own and "2 of 3 scored" in own
    other = _seen(chat["ed"], ref)
    assert "Impact 0" in other and "Need 1" not in other
    waiting = _seen(talk(chat, "iva"), ref)
    assert "not given yet" in waiting
    assert "Need 1" not in waiting and "Impact 0" not in waiting

    channel = _channel_view(db, ref)
    assert "2 of 3 scored" in channel and "Need 1" not in channel

    talk(chat, "iva")(f"score {ref} relevance=3 need=3 feasibility=3 impact=3")
    for viewer in ("obs", "eva", "ed", "iva"):
        seen = _seen(talk(chat, viewer), ref)
        assert "Need 1" in seen and "Impact 0" in seen, viewer
    assert "Need 1" in _channel_view(db, ref)


def test_evaluators_off_the_panel_see_nothing(chat: dict[str, Chat], db: Database) -> None:
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva ed")
    chat["eva"](f"score {ref} {EVA}")
    chat["ed"](f"coi {ref} conflict")
    refused = chat["ed"](f"show {ref}").reply
    assert refused.tone == "error" and "Need 1" not in repr(refused)
