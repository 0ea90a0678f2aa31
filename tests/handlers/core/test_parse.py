from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.parse import Args, ParseError, _scan, tokenize


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


# --- apostrophes are letters; quotes open only where a value starts ------------------------

@pytest.mark.parametrize("text, words", [
    ("it's fine", ["it's", "fine"]),
    ("l'agence régionale d'innovation", ["l'agence", "régionale", "d'innovation"]),
    ("Provence-Alpes-Côte d'Azur", ["Provence-Alpes-Côte", "d'Azur"]),
    ("L'Aquila Ó Súilleabháin O'Brien", ["L'Aquila", "Ó", "Súilleabháin", "O'Brien"]),
    # typographic apostrophes, as phones and chat clients send them
    ("it’s L’Aquila d’Azur", ["it’s", "L’Aquila", "d’Azur"]),
    # a word that begins with an apostrophe and never closes it is a word too
    ("'s-Hertogenbosch ’t Hooft", ["'s-Hertogenbosch", "’t", "Hooft"]),
    # a quote inside a word is a letter, whatever its kind
    ('a 5"-wide panel', ["a", '5"-wide', "panel"]),
])
def test_an_apostrophe_inside_a_word_is_a_letter(text: str, words: list[str]) -> None:
    assert [t.value for t in tokenize(text)] == words
    assert not any(t.quoted for t in tokenize(text))


@pytest.mark.parametrize("text, value", [
    ('"Côte d\'Azur"', "Côte d'Azur"),
    ("'Côte d'Azur'", "Côte d'Azur"),
    ("“Côte d’Azur”", "Côte d’Azur"),
    ("‘it’s fine’", "it’s fine"),
    ("„Baden-Württemberg“", "Baden-Württemberg"),
    ("«Île-de-France»", "Île-de-France"),
    ("'L'Aquila',", "L'Aquila,"),
])
def test_quotes_at_the_start_of_a_word_hold_spaces(text: str, value: str) -> None:
    [token] = tokenize(text)
    assert token.value == value and token.quoted


def test_a_filter_value_may_be_quoted_or_hold_an_apostrophe() -> None:
    assert Args.parse("q:d'Azur").options == {"q": "d'Azur"}
    assert Args.parse("q:d’Azur").options == {"q": "d’Azur"}
    assert Args.parse("q:\"Côte d'Azur\" topic:edp").options == {
        "q": "Côte d'Azur", "topic": "edp"}
    assert Args.parse("org:'L'Aquila Region'").options == {"org": "L'Aquila Region"}
    assert Args.parse("org:“Région Nord-Est”").options == {"org": "Région Nord-Est"}


def test_free_text_with_apostrophes_is_kept_as_typed() -> None:
    assert Args.parse("TA-2026-0001 it's fine").rest(1) == "it's fine"
    assert Args.parse("TA-2026-0001 'it's fine'").rest(1) == "it's fine"
    assert Args.parse("TA-2026-0001 “l’agence est d’accord”").rest(1) == "l’agence est d’accord"
    assert Args.parse('TA-1 "a" and "b"').rest(1) == '"a" and "b"'


def test_an_unclosed_double_quote_at_the_start_of_a_word_is_still_an_error() -> None:
    for text in ('note "half', "note “half", 'q:"half', "«half"):
        with pytest.raises(ParseError, match="never closed"):
            tokenize(text)


_WORD_CHARS = st.characters(blacklist_categories=("Cs", "Zs", "Cc"),
                            blacklist_characters="\"“”„«»'‘’‚\u2028\u2029\x1c\x1d\x1e\x1f\x85")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.text(_WORD_CHARS, min_size=1, max_size=8),
                          st.lists(st.sampled_from("'’\"“”«»‘"), max_size=2),
                          st.text(_WORD_CHARS, min_size=1, max_size=8)),
                min_size=1, max_size=6))
def test_quotes_inside_words_never_change_the_words(
        pieces: list[tuple[str, list[str], str]]) -> None:
    words = [head + "".join(marks) + tail for head, marks, tail in pieces
             if not head.endswith((":", "="))]
    assert [t.value for t in tokenize(" ".join(words))] == words


@settings(max_examples=500, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_text_without_quotes_splits_as_the_scanner_reads_it(text: str) -> None:
    # the quick split of quote-free text and the character-by-character scan agree
    unquoted = "".join(ch for ch in text if ch not in "\"“”„«'‘’‚")
    assert tokenize(unquoted) == _scan(unquoted)
