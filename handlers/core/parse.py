"""The command grammar: words, quoted values, `key:value` filters and `criterion=N` pairs.

Every token keeps its place in the original text, so free text (a note, a reason, a
comment) is taken back exactly as typed, quotes and all.

A quote opens only where a value starts: at the start of a word, or right after `key:` or
`key=`. Anywhere else it is a letter, so `it's`, `d'Azur`, `L’Aquila` and `5"` are words.
An apostrophe-like quote closes only at the end of a word (`'it's fine'` is one value), and
one that never closes is a letter too (`'s-Hertogenbosch`); an unclosed double quote is an
error, because the rest of the line would silently become one value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Each opening quote, with the characters that may close it (as chat clients and keyboard
# layouts send them: straight, typographic, German, Polish, Swedish, French).
_DOUBLE_QUOTES = {'"': '"', "“": "”“", "”": "”", "„": "“”", "«": "»"}
_APOSTROPHES = {"'": "'", "‘": "’", "’": "’", "‚": "‘’"}
_QUOTES = _DOUBLE_QUOTES | _APOSTROPHES
# An apostrophe closes only where a word ends: `'it's fine'` is one value.
_CLOSING = {opening: re.compile(f"[{re.escape(closing)}]"
                                + ("" if opening in _DOUBLE_QUOTES else r"(?![^\W_])"))
            for opening, closing in _QUOTES.items()}
_KEY_PREFIX = re.compile(r"[a-z][a-z_]*[:=]")
_ANY_QUOTE = re.compile(f"[{re.escape(''.join(_QUOTES))}]")
_WORD = re.compile(r"\S+")
_OPTION = re.compile(r"^([a-z][a-z_]*):(.+)$", re.S)
_PAIR = re.compile(r"^([a-z][a-z_]*)=(.*)$", re.S)


class ParseError(ValueError):
    """The text could not be read; the message says what is wrong."""


@dataclass(frozen=True)
class Token:
    value: str
    start: int
    end: int
    quoted: bool


def tokenize(text: str) -> list[Token]:
    """Split the text into words; a quoted value is one word without its quotes."""
    if _ANY_QUOTE.search(text) is None:
        # most commands hold no quote: the words are the runs between spaces
        return [Token(m.group(), m.start(), m.end(), False) for m in _WORD.finditer(text)]
    return _scan(text)


def _scan(text: str) -> list[Token]:
    """The words of a text holding quotes, one character at a time."""
    tokens: list[Token] = []
    closers = _Closers(text)
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        parts: list[str] = []
        quoted = False
        # a value starts the word, or follows its `key:` / `key=`
        key = _KEY_PREFIX.match(text, start)
        value_starts = (start, key.end() if key else start)
        while i < n and not text[i].isspace():
            ch = text[i]
            close = closers.find(i) if i in value_starts else None
            if close is None:
                parts.append(ch)
                i += 1
                continue
            parts.append(text[i + 1 : close])
            # only a word that starts with a quote is a quoted value: `org:"A B"` is a filter
            quoted = quoted or i == start
            i = close + 1
        tokens.append(Token("".join(parts), start, i, quoted))
    return tokens


class _Closers:
    """Finds where a quote closes, remembering each search so a long line of
    unclosed apostrophes costs one pass, not one pass per apostrophe."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.seen: dict[str, tuple[int, int | None]] = {}

    def find(self, i: int) -> int | None:
        """Where the quote opened at `i` closes; None when `text[i]` opens nothing."""
        opening = self.text[i]
        pattern = _CLOSING.get(opening)
        if pattern is None:
            return None
        searched_from, found = self.seen.get(opening, (len(self.text) + 1, None))
        if not (searched_from <= i and (found is None or found > i)):
            match = pattern.search(self.text, i + 1)
            found = match.start() if match else None
            self.seen[opening] = (i + 1, found)
        if found is None and opening in _DOUBLE_QUOTES:
            raise ParseError(f"a quote opened at character {i + 1} is never closed")
        return found


@dataclass
class Args:
    """The words after the command verb."""

    text: str
    tokens: list[Token]
    positional: list[str] = field(default_factory=list)
    options: dict[str, str] = field(default_factory=dict)
    pairs: dict[str, str] = field(default_factory=dict)
    # indexes into `tokens` of the positional words, to recover free text after them
    positional_at: list[int] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, tokens: list[Token] | None = None) -> Args:
        tokens = tokenize(text) if tokens is None else tokens
        args = cls(text=text, tokens=tokens)
        for index, token in enumerate(tokens):
            option = None if token.quoted else _OPTION.match(token.value)
            pair = None if token.quoted else _PAIR.match(token.value)
            raw = text[token.start : token.end]
            if option and not raw.startswith(("http:", "https:", "mailto:")):
                key, value = option.group(1), option.group(2)
                if key in args.options:
                    args.repeated.append(f"{key}:")
                args.options[key] = value
            elif pair:
                key, value = pair.group(1), pair.group(2)
                if key in args.pairs:
                    args.repeated.append(f"{key}=")
                args.pairs[key] = value
            else:
                args.positional.append(token.value)
                args.positional_at.append(index)
        return args

    def rest(self, after_positional: int) -> str:
        """The raw text after the first `after_positional` positional words, as typed."""
        if after_positional == 0:
            return self.text.strip()
        if len(self.positional_at) < after_positional:
            return ""
        last = self.tokens[self.positional_at[after_positional - 1]]
        return _unquote(self.text[last.end :].strip())

    def expect(
        self,
        *,
        options: frozenset[str] | set[str] = frozenset(),
        pairs: frozenset[str] | set[str] = frozenset(),
        max_positional: int | None = None,
    ) -> None:
        """Refuse filters, pairs or extra words this command does not take."""
        if self.repeated:
            raise ParseError(f"`{self.repeated[0]}` is given twice")
        unknown = sorted(set(self.options) - set(options))
        if unknown:
            known = ", ".join(f"{k}:" for k in sorted(options)) or "none"
            raise ParseError(f"unknown filter `{unknown[0]}:` (this command takes {known})")
        unknown = sorted(set(self.pairs) - set(pairs))
        if unknown:
            raise ParseError(f"unexpected `{unknown[0]}=`")
        if max_positional is not None and len(self.positional) > max_positional:
            extra = self.positional[max_positional]
            raise ParseError(f"unexpected `{extra}`")

    def first(self, default: str | None = None) -> str | None:
        return self.positional[0] if self.positional else default


def _unquote(text: str) -> str:
    """A reason typed entirely inside one pair of quotes loses the quotes."""
    if not text or text[0] not in _QUOTES:
        return text
    try:
        tokens = tokenize(text)
    except ParseError:
        return text
    if len(tokens) == 1 and text[-1] in _QUOTES[text[0]] and tokens[0].value == text[1:-1]:
        return tokens[0].value
    return text
