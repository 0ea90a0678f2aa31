"""The evaluation part of the case card judges by the running programme's rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers.commands import load_registry
from handlers.core.config import ProgrammeConfig
from handlers.core.desk import Desk
from storage.db import Database
from tests.conftest import Chat
from tests.evaluation_helpers import add_cutoff, open_case


def test_the_card_counts_the_panel_size_the_programme_runs_with(
    db: Database, config: ProgrammeConfig, now: datetime, people: dict[str, int]
) -> None:
    three = Desk(db, load_registry(), replace(config, evaluators_per_case=3))
    chat = {name: Chat(three, name, now) for name in people}
    add_cutoff(db)
    ref = open_case(chat, db)
    chat["sec"](f"assign {ref} eva")
    card = chat["sec"](f"show {ref}").reply
    scoring = {f.label: f.value for f in card.facts}["Scoring"]
    assert "of 3" in scoring, scoring
