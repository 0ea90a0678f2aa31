from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
