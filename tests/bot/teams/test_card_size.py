"""Every card S3 Desk sends to Teams fits Teams' message limit (about 28 KB), whatever the
card holds: long text, many facts, rows and buttons, huge commands, non-Latin scripts.

Measured as the connector sends it: the whole activity (card, summary, envelope) serialized
to JSON with non-ASCII escaped, which is the larger of the two ways to count.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.teams.activities import card_activity
from bot.teams.render import MAX_CARD_BYTES, render
from handlers.core.types import Button, Card, Fact, Form, FormInput, Pager, Table
from tests.bot.teams.test_render import assert_valid

TEAMS_LIMIT = 28_000
# wide characters cost the most once escaped: an astral one is 12 bytes (`\\ud83d\\ude00`)
piece = st.text(alphabet=st.sampled_from("aé€😀ΩЖ漢 \"\\<>&*_[]"), min_size=1, max_size=12)
long_text = st.builds(lambda s, n: s * n, piece, st.integers(1, 3_000))
some_text = st.one_of(piece, long_text)


def wire_size(card: Card) -> int:
    return len(json.dumps(card_activity(card).serialize()).encode("utf-8"))


buttons = st.lists(st.builds(Button, some_text, some_text,
                             st.sampled_from(["default", "primary", "danger"])), max_size=12)
inputs = st.lists(st.builds(
    FormInput, key=st.from_regex(r"[a-z]{1,12}", fullmatch=True), label=some_text,
    kind=st.sampled_from(["text", "long_text", "number", "choice", "multi_choice", "region"]),
    choices=st.lists(st.tuples(piece, some_text), max_size=30).map(tuple),
    value=st.none() | some_text, hint=st.none() | some_text, error=st.none() | some_text),
    max_size=10, unique_by=lambda i: i.key).map(tuple)
cards = st.builds(
    Card,
    title=some_text,
    text=st.lists(some_text, max_size=6).map(tuple),
    facts=st.lists(st.builds(Fact, some_text, some_text), max_size=40).map(tuple),
    table=st.none() | st.builds(Table, st.lists(some_text, max_size=12).map(tuple),
                                st.lists(st.lists(some_text, max_size=10).map(tuple),
                                         max_size=80).map(tuple)),
    context=st.lists(some_text, max_size=6).map(tuple),
    buttons=buttons.map(tuple),
    pager=st.none() | st.builds(Pager, st.integers(1, 50), st.integers(1, 50),
                                st.integers(0, 10_000), st.none() | some_text,
                                st.none() | some_text),
    form=st.none() | st.builds(Form, some_text, some_text, inputs, some_text),
    tone=st.sampled_from(["info", "success", "warning", "error"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(cards)
def test_any_card_fits_teams_message_limit(card: Card) -> None:
    assert wire_size(card) <= TEAMS_LIMIT
    rendered = render(card)
    assert len(json.dumps(rendered).encode("utf-8")) <= MAX_CARD_BYTES
    assert_valid(rendered)


def test_the_emergency_card_keeps_only_buttons_that_fit() -> None:
    """Five buttons with long commands used to push the last-resort card past the limit."""
    runs = tuple(Button(f"Run {n}", f"note TA-2026-000{n} " + "😀" * 2_000) for n in range(5))
    card = Card(title="Everything", text=("word " * 5_000,), buttons=(*runs,
                Button("Show", "show TA-2026-0001")))
    rendered = render(card)
    assert wire_size(card) <= TEAMS_LIMIT
    commands = [a["data"]["s3desk"] for a in rendered.get("actions", [])]
    # whole commands or none: a shortened command would run something else
    assert all(c in [b.command for b in card.buttons] for c in commands)
    assert "too long to show in Teams" in json.dumps(rendered)
