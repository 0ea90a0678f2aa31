"""A card survives being turned into outbox data and back, whatever it holds."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.types import Button, Card, Fact, Form, FormInput, Pager, Table

words = st.text(max_size=8)
cards = st.builds(
    Card,
    title=words,
    text=st.lists(words, max_size=3).map(tuple),
    facts=st.lists(st.builds(Fact, words, words), max_size=3).map(tuple),
    table=st.none() | st.builds(Table, st.lists(words, max_size=3).map(tuple),
                                st.lists(st.lists(words, max_size=3).map(tuple),
                                         max_size=3).map(tuple)),
    context=st.lists(words, max_size=2).map(tuple),
    buttons=st.lists(st.builds(Button, words, words,
                               st.sampled_from(["default", "primary", "danger"])),
                     max_size=3).map(tuple),
    pager=st.none() | st.builds(Pager, st.integers(1, 9), st.integers(1, 9),
                                st.integers(0, 99), st.none() | words, st.none() | words,
                                st.booleans()),
    form=st.none() | st.builds(Form, words, words, st.lists(
        st.builds(FormInput, words, words, choices=st.lists(
            st.tuples(words, words), max_size=2).map(tuple)), max_size=2).map(tuple)),
    tone=st.sampled_from(["info", "success", "warning", "error"]),
    image_png=st.none() | st.binary(max_size=4),
    chart=st.none() | words,
)


@settings(max_examples=300, deadline=None)
@given(cards)
def test_a_card_round_trips_through_its_stored_form(card: Card) -> None:
    stored = json.loads(json.dumps(card.to_dict()))
    assert "image_png" not in stored
    assert Card.from_dict(stored) == replace(card, image_png=None)
