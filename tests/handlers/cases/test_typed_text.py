"""Text as people type it: apostrophes in names and French or Italian words, typographic
quotes from chat clients, and search text too long to be a search."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy import select

from handlers.cases.listing import Q_LIMIT
from handlers.core.config import ProgrammeConfig
from storage.db import Database
from storage.models import Note
from tests.case_helpers import add_applications
from tests.conftest import Chat


def notes(db: Database) -> list[str]:
    with db.read() as session:
        return list(session.scalars(select(Note.text).order_by(Note.id)))


def refs(card: object) -> list[str]:
    table = getattr(card, "table", None)
    assert table is not None, getattr(card, "text", card)
    return [row[0] for row in table.rows]


@pytest.mark.parametrize("typed", [
    "it's fine",
    "l'agence régionale d'innovation confirme l'atelier",
    "L'Aquila: spoke to Ó Súilleabháin",
    "it’s fine, l’agence est d’accord",  # typographic apostrophes, as phones send them
    "“Côte d’Azur” was mentioned",  # typographic quotes in free text are kept
])
def test_notes_with_apostrophes_are_kept_as_typed(chat: dict[str, Chat], db: Database,
                                                  config: ProgrammeConfig, now: datetime,
                                                  typed: str) -> None:
    [ref] = add_applications(db, config, [now])
    reply = chat["sec"](f"note {ref} {typed}").reply
    assert reply.tone == "success", reply.text
    assert notes(db) == [typed]


def test_a_quoted_note_with_apostrophes_loses_only_its_quotes(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    [ref] = add_applications(db, config, [now])
    assert chat["sec"](f"note {ref} 'it's fine'").reply.tone == "success"
    assert chat["sec"](f"note {ref} “l’agence est d’accord”").reply.tone == "success"
    assert notes(db) == ["it's fine", "l’agence est d’accord"]


def test_names_with_apostrophes_and_accents_are_set_and_found(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime) -> None:
    [azur] = add_applications(db, config, [now], region="FRL0",
                              organisation="Région Provence-Alpes-Côte d'Azur")
    [aquila] = add_applications(db, config, [now], region="ITF1",
                                needs="Workshops in L’Aquila with Ó Súilleabháin")
    add_applications(db, config, [now], region="EL51")
    sec = chat["sec"]
    for query in ("q:d'Azur", "q:d’Azur", "q:\"Côte d'Azur\"", "q:“Côte d’Azur”",
                  "q:'Côte d'Azur'"):
        assert refs(sec(f"list {query}").reply) == [azur], query
    for query in ("q:L'Aquila", "q:l’aquila", "q:Súilleabháin", 'q:"Ó Súilleabháin"'):
        assert refs(sec(f"list {query}").reply) == [aquila], query
    assert sec(f"set {aquila} contact Ó Súilleabháin").reply.tone == "success"
    assert sec(f"set {azur} contact 'Anne-Marie d'Arcy'").reply.tone == "success"
    assert sec(f"set {azur} org Conseil régional d’Azur").reply.tone == "success"
    card = sec(f"show {azur}").reply
    assert "Anne-Marie d'Arcy" in str(card.to_dict())
    assert card.title.endswith("Conseil régional d’Azur")
    assert "Ó Súilleabháin" in str(sec(f"show {aquila}").reply.to_dict())


def test_an_unclosed_double_quote_is_still_explained(chat: dict[str, Chat], db: Database,
                                                     config: ProgrammeConfig,
                                                     now: datetime) -> None:
    [ref] = add_applications(db, config, [now])
    reply = chat["sec"](f'note {ref} "half a thought').reply
    assert reply.tone == "error" and "never closed" in reply.text[0]
    assert notes(db) == []


def test_a_search_text_past_the_limit_is_refused_with_the_usage(
        chat: dict[str, Chat], db: Database, config: ProgrammeConfig, now: datetime,
        caplog: pytest.LogCaptureFixture) -> None:
    add_applications(db, config, [now])
    secret = "Quillfeather-" * 4_000  # 52,000 characters
    with caplog.at_level(logging.DEBUG):
        reply = chat["sec"](f"list q:{secret}").reply
    assert reply.tone == "error"
    assert f"at most {Q_LIMIT}" in reply.text[0] and f"{len(secret):,}" in reply.text[0]
    assert reply.context[0].startswith("Usage: list ")
    assert "busy" not in reply.text[0]
    assert "Quillfeather" not in caplog.text
    # at the limit the search still runs
    assert chat["sec"](f"list q:{'a' * Q_LIMIT}").reply.tone != "error"
