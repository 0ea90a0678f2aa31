"""Text from outside becomes text the store, the search and every card can take."""

from __future__ import annotations

import unicodedata

from hypothesis import given

from bot.normalise import clean_payload, clean_text
from tests.awkward_text import awkward_text

CONTROLS = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\t", "\n"}


def test_the_examples() -> None:
    assert clean_text("help \ud800") == "help \ufffd"
    assert clean_text("smile \ud83d\ude00") == "smile 😀"  # a pair escaped apart is one letter
    assert clean_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert clean_text("one\r\ntwo\rthree\tfour") == "one\ntwo\nthree\tfour"
    assert clean_text("Ce\u0301line") == "Céline"
    assert clean_text("plain ascii") == "plain ascii"
    assert clean_payload({"text": "x\x00", "list": ["\ud800", 3, None], "k\x00": True}) == \
        {"text": "x", "list": ["\ufffd", 3, None], "k": True}


@given(awkward_text)
def test_any_text_comes_out_storable_and_stays_put(text: str) -> None:
    cleaned = clean_text(text)
    cleaned.encode("utf-8")  # no lone surrogate left: raises if there were
    assert not set(cleaned) & CONTROLS
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert clean_text(cleaned) == cleaned
