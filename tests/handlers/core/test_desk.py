from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import AuditEntry
from tests.case_helpers import add_applications
from tests.conftest import Chat


def test_help_lists_commands_for_a_known_person(chat: dict[str, Chat]) -> None:
    reply = chat["sec"]("help").reply
    assert reply.tone == "info"
    assert any(f.label.startswith("help") for f in reply.facts)


def test_stranger_is_told_to_ask_for_a_role(chat: dict[str, Chat]) -> None:
    reply = chat["stranger"]("help").reply
    assert "not registered" in reply.text[0]


def test_unknown_command_suggests(chat: dict[str, Chat]) -> None:
    reply = chat["sec"]("hlep").reply
    assert reply.tone == "error"
    assert "`help`" in reply.text[0]


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_no_input_makes_the_dispatcher_raise(chat: dict[str, Chat], text: str) -> None:
    outcome = chat["sec"](text)
    assert outcome.reply.title


def test_a_replayed_request_answers_with_its_first_reply(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    """Slack retries a request it thinks was lost: the first reply again, nothing done twice,
    also when running the command again would now be refused (the case moved on)."""
    [ref] = add_applications(db, config, [now])
    sec = chat["sec"]
    first = sec(f"status {ref} screening", source_id="trigger-1").reply
    assert first.tone == "success"
    again = sec(f"status {ref} screening", source_id="trigger-1").reply
    assert again == first
    with db.read() as session:
        moves = session.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "status"))
    assert moves == 1
    # the same words as a new request are refused: the case is in screening already
    assert sec(f"status {ref} screening", source_id="trigger-2").reply.tone == "error"


def test_a_nul_character_is_answered_not_sent_to_the_store(chat: dict[str, Chat]) -> None:
    reply = chat["sec"]("expert \x00").reply
    assert reply.tone == "error" and "NUL character" in reply.text[0]
