from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.parse import Args, ParseError, tokenize


def test_quoted_values_options_and_pairs() -> None:
    args = Args.parse('TA-2026-0007 org:"Région Nord-Est" relevance=4 need=5 "a comment"')
    assert args.positional == ["TA-2026-0007", "a comment"]
    assert args.options == {"org": "Région Nord-Est"}
    assert args.pairs == {"relevance": "4", "need": "5"}


def test_rest_keeps_free_text_as_typed() -> None:
    args = Args.parse("TA-2026-0001 Called the region: <!channel> & more")
    assert args.rest(1) == "Called the region: <!channel> & more"
    assert Args.parse('TA-1 "quoted reason"').rest(1) == "quoted reason"


def test_unclosed_quote_is_a_clear_error() -> None:
    with pytest.raises(ParseError, match="never closed"):
        tokenize('note TA-2026-0001 "half')


def test_expect_refuses_unknown_and_repeated() -> None:
    with pytest.raises(ParseError, match="unknown filter `colour:`"):
        Args.parse("colour:red").expect(options={"status"})
    with pytest.raises(ParseError, match="given twice"):
        Args.parse("status:a status:b").expect(options={"status"})


def test_urls_stay_words() -> None:
    assert Args.parse("https://example.org").positional == ["https://example.org"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_text_makes_the_parser_raise_anything_but_parse_error(text: str) -> None:
    try:
        args = Args.parse(text)
    except ParseError:
        return
    assert isinstance(args.rest(1), str)
